/// How concurrent writes to one field combine. Each rule is a join-semilattice, so applying the
/// same operations in any order, any number of times, gives the same state.
public enum FieldRule: Sendable, Equatable {
    /// Last-writer-wins register with visible conflicts (a multi-value register): the winner is
    /// the highest HLC among writes not superseded by a later write that had seen them.
    case register(ValueType)
    /// One register per key (e.g. one vote per voter on a motion).
    case keyedRegister(ValueType)
    /// An integer that only goes up (the ladder step).
    case maxInteger(ClosedRange<Int64>)
    /// A grow-only set of named facts, each with the HLC at which it was first reached.
    /// `seals` maps a milestone to a keyed-register field of the same entity that reaching it
    /// closes (a motion's `closed` seals its `votes`): the reaching operation carries, as its
    /// context, the heads of that field its replica held, and only those count afterwards.
    case milestones(Set<String>, seals: [String: String] = [:])
    /// An add-wins (observed-remove) set: a removal only removes the additions it had seen.
    case addWinsSet(ValueType)
    /// An append-only log (comments), ordered by HLC.
    case log(ValueType)

    /// The single operation kinds this rule accepts.
    public var acceptedKinds: Set<OperationKind> {
        switch self {
        case .register, .keyedRegister: [.set]
        case .maxInteger: [.max]
        case .milestones: [.reach]
        case .addWinsSet: [.add, .remove]
        case .log: [.append]
        }
    }

    /// Whether operations on this field carry a `key`.
    public var isKeyed: Bool {
        switch self {
        case .keyedRegister, .milestones, .addWinsSet: true
        case .register, .maxInteger, .log: false
        }
    }
}

/// What a field's values may be.
///
/// Text limits are counted twice: in characters (grapheme clusters, what a person reads) and
/// in UTF-8 bytes (what the wire, the log and every replica store), at most four bytes per
/// allowed character. A single "character" built of thousands of combining marks therefore
/// cannot smuggle megabytes into a one-character field.
public indirect enum ValueType: Sendable, Equatable {
    case text(maxLength: Int)
    case optionalText(maxLength: Int)
    case choice([String])
    case optionalChoice([String])
    case integer(ClosedRange<Int64>)
    /// `YYYY-MM-DD`.
    case date
    case optionalDate
    /// An array of distinct strings drawn from a list.
    case choiceList([String])
    /// A JSON object with exactly these members, each of its own type.
    case record([String: ValueType])

    /// UTF-8 bytes allowed per character of a text limit.
    public static let bytesPerCharacter = 4

    public func validate(_ value: JSONValue, field: String) throws {
        func fail(_ expected: String) -> SyncError {
            SyncError(.invalidValue, "field '\(field)' expects \(expected), got \(value.canonicalJSON.prefix(80))")
        }
        switch self {
        case .text(let max):
            guard let s = value.stringValue, !s.isEmpty, Self.fits(s, max) else {
                throw fail("non-empty text of at most \(max) characters (\(max * Self.bytesPerCharacter) UTF-8 bytes)")
            }
        case .optionalText(let max):
            if value == .null { return }
            guard let s = value.stringValue, Self.fits(s, max) else {
                throw fail("text of at most \(max) characters (\(max * Self.bytesPerCharacter) UTF-8 bytes) or null")
            }
        case .choice(let options):
            guard let s = value.stringValue, options.contains(s) else { throw fail("one of " + options.joined(separator: ", ")) }
        case .optionalChoice(let options):
            if value == .null { return }
            guard let s = value.stringValue, options.contains(s) else { throw fail("null or one of " + options.joined(separator: ", ")) }
        case .integer(let range):
            guard let i = value.intValue, range.contains(i) else { throw fail("an integer in \(range.lowerBound)...\(range.upperBound)") }
        case .date:
            guard let s = value.stringValue, ValueType.isDate(s) else { throw fail("a date YYYY-MM-DD") }
        case .optionalDate:
            if value == .null { return }
            guard let s = value.stringValue, ValueType.isDate(s) else { throw fail("a date YYYY-MM-DD or null") }
        case .choiceList(let options):
            guard let items = value.arrayValue, items.count <= options.count,
                  Set(items).count == items.count,
                  items.allSatisfy({ $0.stringValue.map(options.contains) ?? false }) else {
                throw fail("a list of distinct items drawn from " + options.joined(separator: ", "))
            }
        case .record(let members):
            let names = members.keys.sorted()
            guard let object = value.objectValue, object.count == members.count,
                  Set(object.keys) == Set(members.keys) else {
                throw fail("an object with exactly the members " + names.joined(separator: ", "))
            }
            for name in names { try members[name]!.validate(object[name]!, field: "\(field).\(name)") }
        }
    }

    /// Whether `text` is within `maxLength` characters and the matching byte budget, and free of
    /// NUL (which SQLite would cut the text at). Bytes are counted first: cheap, and it bounds
    /// the cost of counting grapheme clusters.
    static func fits(_ text: String, _ maxLength: Int) -> Bool {
        text.utf8.count <= maxLength * bytesPerCharacter && !text.utf8.contains(0) && text.count <= maxLength
    }

    /// A strict calendar check for `YYYY-MM-DD`.
    public static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              (1...12).contains(m), y >= 1900 else { return false }
        return (1...CivilDate.daysInMonth(year: y, month: m)).contains(d)
    }
}
