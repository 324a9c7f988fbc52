/// One immutable change: the unit that replicas exchange and merge.
public struct SyncOperation: Hashable, Sendable {
    /// The wire version this build writes and reads.
    public static let wireVersion = 1
    /// Most operation ids one context may name (`Schemas/operation.schema.json`).
    public static let maxContextEntries = 1_000
    /// Longest key, in UTF-8 bytes.
    public static let maxKeyBytes = 128
    /// The value of a milestone operation that seals a field (its context lists the heads it seals).
    public static let sealedMarker = JSONValue.string("sealed")

    public var id: OperationID
    public var hlc: HLCTimestamp
    /// The member who made the change.
    public var author: String
    public var entity: EntityKind
    public var entityID: String
    public var field: String
    /// The element, milestone or voter this operation is about, for keyed fields; "" otherwise.
    public var key: String
    public var kind: OperationKind
    public var value: JSONValue
    /// What the writer had seen of this field: the register heads it overwrites, or the
    /// additions a removal removes. Sorted, without duplicates.
    public var context: [OperationID]

    public init(id: OperationID, hlc: HLCTimestamp, author: String, entity: EntityKind, entityID: String,
                field: String, key: String = "", kind: OperationKind, value: JSONValue, context: [OperationID] = []) {
        self.id = id
        self.hlc = hlc
        self.author = author
        self.entity = entity
        self.entityID = entityID
        self.field = field
        self.key = key
        self.kind = kind
        self.value = value
        self.context = Array(Set(context)).sorted()
    }
}

extension SyncOperation {
    /// Checks the operation against the catalog: known field, matching kind, valid value,
    /// well-formed ids. Both replicas and the server call this before storing anything.
    public func validate(against catalog: FieldCatalog) throws {
        let rule = try catalog.rule(for: entity, field: field)
        guard rule.acceptedKinds.contains(kind) else {
            throw SyncError(.invalidValue, "\(entity.rawValue).\(field) does not accept '\(kind.rawValue)' operations")
        }
        guard Self.isIdentifier(entityID) else {
            throw SyncError(.malformed, "entity id '\(entityID.prefix(80))' must be 1-64 characters of letters, digits, '-', '_' or '.'")
        }
        guard Self.isIdentifier(author) else {
            throw SyncError(.malformed, "author '\(author.prefix(80))' must be an author id (1-64 letters, digits, '-', '_' or '.')")
        }
        guard hlc.replica == id.replica else {
            throw SyncError(.malformed, "operation \(id) carries a timestamp of replica \(hlc.replica)")
        }
        if rule.isKeyed {
            guard !key.isEmpty, key.utf8.count <= Self.maxKeyBytes else {
                throw SyncError(.malformed, "\(entity.rawValue).\(field) operations need a key of 1-\(Self.maxKeyBytes) UTF-8 bytes")
            }
            // A key names something (a member, a case, a subject): no control characters. A NUL
            // in particular would be cut off by SQLite, and the stored operation would differ
            // from the one received.
            guard !key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw SyncError(.malformed, "\(entity.rawValue).\(field) keys may not contain control characters")
            }
        } else if !key.isEmpty {
            throw SyncError(.malformed, "\(entity.rawValue).\(field) operations take no key")
        }
        guard context.count <= Self.maxContextEntries else {
            throw SyncError(.malformed, "operation \(id) has more than \(Self.maxContextEntries) context entries")
        }
        switch rule {
        case .register(let type), .keyedRegister(let type), .log(let type):
            try type.validate(value, field: field)
        case .maxInteger(let range):
            try ValueType.integer(range).validate(value, field: field)
        case .milestones(let allowed, let seals):
            guard allowed.contains(key) else {
                throw SyncError(.invalidValue, "'\(key)' is not a milestone of \(entity.rawValue) (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            // A milestone that seals a field says so (`"sealed"`): its context then lists what it
            // seals. Older clients sent null, and their closings keep the rule they were made under.
            guard value == .null || (seals[key] != nil && value == Self.sealedMarker) else {
                throw SyncError(.invalidValue, "milestone operations carry a null value\(seals[key] != nil ? " (or \"sealed\")" : "")")
            }
        case .addWinsSet(let type):
            if kind == .add {
                try type.validate(value, field: field)
                // A set of plain elements (member ids, case ids) is keyed by the element itself:
                // the key says what is added, the value repeats it, and the two must agree.
                if case .text = type, value.stringValue != key {
                    throw SyncError(.invalidValue, "\(entity.rawValue).\(field) adds the element named by its key; the value must repeat the key")
                }
            } else {
                guard value == .null else { throw SyncError(.invalidValue, "remove operations carry a null value") }
            }
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46
        }
    }
}
