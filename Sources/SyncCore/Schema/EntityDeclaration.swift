/// One entity kind, declared once: its table, its fields with their merge rules, value types and
/// storage, the columns derived from them, and its indexes. The field catalog, the SQL schema,
/// the materialiser and the digest are all derived from these declarations; nothing else in the
/// engine names a table or a column.
///
/// `members` are in the order of the entity table's columns (after `id`), and of its child
/// tables; fields may be added at the end of the list (older replicas add the new column at the
/// end of the table).
public struct EntityDeclaration: Sendable {
    public enum Member: Sendable {
        case field(FieldDeclaration)
        case derived(DerivedColumn)
    }

    public var kind: EntityKind
    /// The entity table: `id TEXT PRIMARY KEY` and a column per column-stored field.
    public var table: String
    public var members: [Member] { didSet { index() } }
    public var indexes: [IndexDeclaration]
    /// The fields and derived columns of `members`, and the fields by name, kept with them:
    /// the merge looks fields up for every entity it materialises.
    public private(set) var fields: [FieldDeclaration] = []
    public private(set) var derivedColumns: [DerivedColumn] = []
    /// The dates-of-record fields and where their dates go, found once: the merge meets them
    /// for every entity it materialises (most kinds have none).
    public private(set) var datings: [Dating] = []
    private var fieldsByName: [String: FieldDeclaration] = [:]
    private var positions: [String: Int] = [:]

    public init(_ kind: EntityKind, table: String, _ members: [Member], indexes: [IndexDeclaration] = []) {
        self.kind = kind
        self.table = table
        self.members = members
        self.indexes = indexes
        index()
    }

    private mutating func index() {
        fields = members.compactMap { if case .field(let field) = $0 { field } else { nil } }
        derivedColumns = members.compactMap { if case .derived(let column) = $0 { column } else { nil } }
        fieldsByName = Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        positions = Dictionary(fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        datings = fields.compactMap { field in
            guard case .datesOf(let target, let column) = field.storage, let targetField = fieldsByName[target],
                  let rows = targetField.storage.keyedRows else { return nil }
            var setFields: [String]?
            var milestones = false
            switch targetField.storage {
            case .setTable:
                setFields = fields.compactMap { other in
                    switch other.storage {
                    case .setTable(rows.table, _, _), .setFlag(rows.table, _): other.name
                    default: nil
                    }
                }
            case .milestoneTable: milestones = true
            default: break
            }
            return Dating(field: field.name, column: column, table: rows.table, owner: rows.owner, key: rows.key,
                          setFields: setFields, milestones: milestones)
        }
    }

    /// A dates-of-record field (`FieldStorage.datesOf`) and the rows its dates are written on.
    public struct Dating: Sendable {
        public let field: String
        public let column: String
        /// The child table of the dated facts, its owner and key columns.
        public let table: String
        public let owner: String
        public let key: String
        /// When the dated facts are a set: the set fields whose changed elements are rows to
        /// date again. Nil: the table is rewritten whole when it changes, and every row is.
        public let setFields: [String]?
        /// Whether the facts are milestones (undated ones fall back to their timestamp's day).
        public let milestones: Bool
    }

    public func field(_ name: String) -> FieldDeclaration? { fieldsByName[name] }

    /// Where a field stands in `fields`.
    public func position(of field: String) -> Int? { positions[field] }

    /// The column a register field lands in, if it is stored in the entity table.
    public func column(of field: String) -> String? {
        guard case .column(let column, _)? = self.field(field)?.storage else { return nil }
        return column
    }
}

extension EntityDeclaration.Member {
    /// A field and where it is stored.
    public static func field(_ name: String, _ rule: FieldRule, _ storage: FieldStorage, keepsHistory: Bool = false) -> Self {
        .field(FieldDeclaration(name, rule, storage, keepsHistory: keepsHistory))
    }
}
