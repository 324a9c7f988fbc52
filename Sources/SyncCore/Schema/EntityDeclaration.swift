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
