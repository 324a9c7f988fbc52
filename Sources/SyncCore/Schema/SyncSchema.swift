/// What an application replicates: its entity kinds, declared once each. The engine takes a
/// schema value and derives from it everything domain-shaped it needs: the field catalog that
/// operations are validated against, the SQL tables of a replica, the materialiser that fills
/// them, and the digest over them.
///
/// `version` grows whenever a kind or a field is added. A replica records the version it was
/// last opened with; a newer program brings the file up to date (new tables and columns, then
/// the state rebuilt from the log), an older one refuses a file a newer one has written.
/// Operations on fields an older schema does not know still travel through it (see
/// `ReplicaStore.apply`).
public struct SyncSchema: Sendable {
    public let name: String
    public let version: Int
    public let entities: [EntityDeclaration]
    public let catalog: FieldCatalog
    /// Every materialised table, entity tables and child tables, in digest order.
    let tables: [MaterializedTable]
    /// The names of the materialised tables, in digest order (for checks and tools).
    public var materializedTableNames: [String] { tables.map(\.name) }
    /// The declarations by kind (the merge looks one up for every entity it materialises).
    private let byKind: [EntityKind: EntityDeclaration]

    public init(name: String, version: Int, entities: [EntityDeclaration]) {
        self.name = name
        self.version = version
        self.entities = entities
        var fields: [EntityKind: [String: FieldRule]] = [:]
        for entity in entities {
            precondition(fields[entity.kind] == nil, "entity kind \(entity.kind) is declared twice")
            var kindFields: [String: FieldRule] = [:]
            for field in entity.fields {
                precondition(kindFields[field.name] == nil, "\(entity.kind).\(field.name) is declared twice")
                kindFields[field.name] = field.rule
                switch field.storage {
                case .datesOf(let target, let column):
                    guard case .keyedRegister(.date) = field.rule, let rows = entity.field(target)?.storage.keyedRows else {
                        preconditionFailure("\(entity.kind).\(field.name) must be a keyed register of dates of a field stored in keyed rows")
                    }
                    if case .milestoneTable = entity.field(target)!.storage {
                        precondition(column == "reached_on", "the dates of a milestone table go in its reached_on, not \(column) (\(rows.table))")
                    }
                case .keyedValueTable:
                    guard case .keyedRegister = field.rule else { preconditionFailure("\(entity.kind).\(field.name) must be a keyed register") }
                default:
                    break
                }
            }
            fields[entity.kind] = kindFields
        }
        catalog = FieldCatalog(fields: fields)
        byKind = Dictionary(uniqueKeysWithValues: entities.map { ($0.kind, $0) })
        tables = entities.flatMap(MaterializedTable.tables(of:))
        var names = Set<String>()
        for table in tables { precondition(names.insert(table.name).inserted, "table \(table.name) is declared twice") }
    }

    public func entity(_ kind: EntityKind) -> EntityDeclaration? { byKind[kind] }

    /// The fields whose operations compaction never drops, per kind: those declared
    /// `keepsHistory`, and those the materialiser reads as operations (a keyed field's values
    /// and the milestones that seal it: which vote counts depends on each one's timestamp and
    /// on the sealing's context).
    public var retainedFields: [EntityKind: Set<String>] {
        var result: [EntityKind: Set<String>] = [:]
        for entity in entities {
            for field in entity.fields {
                var keep = field.keepsHistory
                if case .keyedTable = field.storage { keep = true }
                if case .milestones(_, let seals) = field.rule, !seals.isEmpty { keep = true }
                if keep { result[entity.kind, default: []].insert(field.name) }
            }
        }
        return result
    }

    /// Every kind and its entity table.
    public var entityTables: [(table: String, kind: EntityKind)] { entities.map { ($0.table, $0.kind) } }
}
