/// The kind of an entity: a name the application's schema declares (`SyncSchema`). The
/// engine knows no kinds of its own; an application names its kinds once, in its declarations,
/// and usually gives them static constants (`EntityKind.case`).
public struct EntityKind: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// A kind name: 1-32 letters, digits, `-` or `_`, starting with a letter. Any well-formed
    /// name reads (a newer schema's kind must travel through an older replica); whether the
    /// schema knows it is the catalog's question.
    public init?(rawValue: String) {
        guard (1...32).contains(rawValue.utf8.count), let first = rawValue.utf8.first,
              (first >= 97 && first <= 122) || (first >= 65 && first <= 90),
              rawValue.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { return nil }
        self.rawValue = rawValue
    }

    /// A kind named in code; the name must be well formed.
    public init(_ name: StaticString) {
        guard let kind = EntityKind(rawValue: "\(name)") else { preconditionFailure("'\(name)' is not an entity kind name") }
        self = kind
    }

    public var description: String { rawValue }
    public static func < (lhs: EntityKind, rhs: EntityKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let kind = EntityKind(rawValue: text) else {
            throw SyncError(.malformed, "'\(text.prefix(40))' is not an entity kind")
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
