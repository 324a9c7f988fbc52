/// The SQLite type of a materialised column.
public enum ColumnType: String, Sendable, Hashable {
    case text = "TEXT"
    case integer = "INTEGER"
}

/// Where a field's merged value is materialised, so people and queries can read it as plain
/// tables. The engine derives the tables, the columns and the code that fills them from this.
public enum FieldStorage: Sendable {
    /// A register's winner, or a maximum's value, in a column of the entity's table.
    case column(String, ColumnType)
    /// Milestones in a child table `(owner, milestone, reached_hlc, reached_on, op_id, author)`:
    /// each reached milestone with the earliest operation that reached it and its UTC day.
    case milestoneTable(table: String, owner: String)
    /// Milestones as columns of the entity's table holding the timestamp that reached them.
    case milestoneColumns([String: String])
    /// An add-wins set in a child table `(owner, element)`, one row per present element.
    case setTable(table: String, owner: String, element: String)
    /// An add-wins set whose elements are also members of another set's table (`table`, which
    /// the other set declares), marked there by a 0/1 `column` (attendance confirmed).
    case setFlag(table: String, column: String)
    /// An add-wins set of records in a child table `(owner, key, member columns…)`, from each
    /// element's newest addition.
    case recordTable(table: String, owner: String, key: String, members: [(member: String, column: String)])
    /// A log's entries in a child table `(id, owner, author, hlc, value)`, `id` the operation's.
    case logTable(table: String, owner: String, value: String)
    /// Keyed registers (one per key, such as a vote per voter) in a child table
    /// `(owner, key, value, hlc, counted, late)`: the current value, the value that counts once
    /// a milestone seals the field, and whether the key has a value the sealing did not see.
    case keyedTable(table: String, owner: String, key: String, value: String, counted: String, late: String)
    /// Keyed registers (one per key) whose winning values fill a child table `(owner, key, value)`,
    /// one row per key that has a value (the dates of record of a case's steps, keyed by step).
    case keyedValueTable(table: String, owner: String, key: String, value: String)
    /// Dates of record of another field's facts: a keyed register of `.date` values, keyed like
    /// `field` (a milestone, a set element, a voter), whose winner for a key is written in
    /// `column` of the child table `field` fills, on the row of the same key. For a milestone
    /// table `column` is its `reached_on`, which without a date of record falls back to the UTC
    /// day of the reaching timestamp; any other table gets `column` added, NULL without one. The
    /// date is a register like any other: the write with the highest timestamp wins, concurrent
    /// ones are shown as a conflict, and the fact's own operation (its timestamp) is untouched.
    case datesOf(field: String, column: String)

    /// The child table of keyed rows this storage fills, with its owner and key columns: where
    /// another field's dates of record (`datesOf`) can be written.
    var keyedRows: (table: String, owner: String, key: String)? {
        switch self {
        case .milestoneTable(let table, let owner): (table, owner, "milestone")
        case .setTable(let table, let owner, let element): (table, owner, element)
        case .recordTable(let table, let owner, let key, _): (table, owner, key)
        case .keyedTable(let table, let owner, let key, _, _, _): (table, owner, key)
        case .keyedValueTable(let table, let owner, let key, _): (table, owner, key)
        case .column, .milestoneColumns, .setFlag, .logTable, .datesOf: nil
        }
    }

    /// The child table this storage fills, if any.
    var childTable: String? {
        switch self {
        case .column, .milestoneColumns, .setFlag, .datesOf: nil
        case .milestoneTable(let table, _), .setTable(let table, _, _), .recordTable(let table, _, _, _),
             .logTable(let table, _, _), .keyedTable(let table, _, _, _, _, _), .keyedValueTable(let table, _, _, _): table
        }
    }
}

/// One field of an entity kind: its name on the wire, how concurrent writes merge, and where
/// its value is materialised.
public struct FieldDeclaration: Sendable {
    public var name: String
    public var rule: FieldRule
    public var storage: FieldStorage
    /// Every operation on the field is kept by compaction: its history is read as operations
    /// (a case's `step` times), not only as the state they left.
    public var keepsHistory: Bool

    public init(_ name: String, _ rule: FieldRule, _ storage: FieldStorage, keepsHistory: Bool = false) {
        self.name = name
        self.rule = rule
        self.storage = storage
        self.keepsHistory = keepsHistory
    }
}

/// A column of the entity's table computed from a milestone field's reached milestones (a
/// case's status), kept current whenever they change.
public struct DerivedColumn: Sendable {
    public var column: String
    /// The value before any milestone is reached.
    public var initial: String
    /// The milestone field it is computed from.
    public var field: String
    public var compute: @Sendable (Set<String>) -> String

    public init(_ column: String, initial: String, from field: String, _ compute: @escaping @Sendable (Set<String>) -> String) {
        self.column = column
        self.initial = initial
        self.field = field
        self.compute = compute
    }
}

/// An index on a materialised table.
public struct IndexDeclaration: Sendable, Hashable {
    public var name: String
    public var table: String
    public var columns: [String]

    public init(_ name: String, on table: String, _ columns: [String]) {
        self.name = name
        self.table = table
        self.columns = columns
    }
}
