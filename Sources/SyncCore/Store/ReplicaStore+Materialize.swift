import Foundation
import GRDB

/// Rebuilds the human-readable tables from `field_state` for the entities a batch touched, as
/// the schema's declarations say (`FieldStorage`). Materialised rows are a pure function of the
/// merge metadata, so they converge with it.
extension ReplicaStore {
    /// Materialises each entity a batch touched, once: its row (created if new, its register
    /// columns set in one statement from the batch's final heads, without reading them back),
    /// the conflicts of its registers, and the tables of its other touched fields. Entities
    /// created by the batch are added to `created`.
    func materialize(_ merge: BatchMerge, created: inout Set<EntityKey>, _ db: Database) throws {
        // One UPDATE per kind and set of register columns, prepared once per batch.
        struct ColumnSet: Hashable { var kind: EntityKind; var mask: UInt64 }
        var updates: [ColumnSet: Statement] = [:]
        for ref in merge.entities.keys.sorted() {
            guard let changes = merge.entities[ref], let entity = schema.entity(ref.entity) else { continue }
            if !merge.existing.contains(ref) {
                try db.cachedStatement(sql: "INSERT INTO \(entity.table)(id) VALUES (?) ON CONFLICT(id) DO NOTHING")
                    .executeDirect { $0.text(ref.entityID) }
                if db.changesCount > 0 { created.insert(EntityKey(ref.entity, ref.entityID)) }
            }
            var columns: [(position: Int, name: String, value: DatabaseValue)] = []
            for scope in changes.registers {
                guard let state = merge.scopes[scope] else { continue }
                let heads = state.headsWinnerFirst
                if ScopeState.isConflict(state.rows) {
                    try writeConflict(scope, heads: heads, db)
                } else if state.hadConflict {
                    try deleteConflict(scope, db)
                }
                if scope.key.isEmpty, let column = entity.column(of: scope.field), let position = entity.position(of: scope.field) {
                    columns.append((position, column, heads.first.map { Self.databaseValue(json: $0.row.value) } ?? .null))
                }
            }
            if !columns.isEmpty {
                columns.sort { $0.position < $1.position }
                let key = ColumnSet(kind: ref.entity, mask: columns.reduce(0) { $0 | (1 << UInt64($1.position % 64)) })
                let update = try updates[key] ?? db.cachedStatement(sql: """
                    UPDATE \(entity.table) SET \(columns.map { "\($0.name) = ?" }.joined(separator: ", ")) WHERE id = ?
                    """)
                updates[key] = update
                try update.executeDirect { bind in
                    for column in columns { bind.value(column.value) }
                    bind.text(ref.entityID)
                }
            }
            if !changes.fields.isEmpty {
                var refreshedTables = Set<String>()
                for field in entity.fields where changes.fields.contains(field.name) {
                    try refresh(field, of: entity, ref, elements: changes.elements, refreshedTables: &refreshedTables, db)
                }
                // Dates of record go on the rows of their facts: on the rows whose dates changed,
                // and on the rows written again (a set's changed elements, or a whole table).
                for dating in entity.datings {
                    var keys = Set(changes.registers.lazy.filter { $0.field == dating.field }.map(\.key))
                    var everyRow = false
                    if let setFields = dating.setFields {
                        for name in setFields { keys.formUnion(changes.elements[name] ?? []) }
                    } else {
                        everyRow = refreshedTables.contains(dating.table)
                    }
                    guard everyRow || !keys.isEmpty else { continue }
                    try fillDates(dating, keys: everyRow ? nil : keys, ref, db)
                }
            }
        }
        for op in merge.appended {
            guard case .logTable(let table, let owner, let value)? = schema.entity(op.entity)?.field(op.field)?.storage else { continue }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO \(table)(id, \(owner), author, hlc, \(value)) VALUES (?, ?, ?, ?, ?)")
                .executeDirect { bind in
                    bind.text(op.id.description); bind.text(op.entityID); bind.text(op.author); bind.text(op.hlc.description)
                    bind.text(op.value.stringValue ?? "")
                }
        }
    }

    /// Records a register's competing heads (winner first) and the value shown.
    private func writeConflict(_ scope: Scope, heads: [(id: String, row: MergeRow)], _ db: Database) throws {
        var competing = "["
        for (index, head) in heads.enumerated() {
            if index > 0 { competing += "," }
            competing += "{\"op\":"
            JSONValue.writeString(head.id, to: &competing)
            competing += ",\"hlc\":"
            JSONValue.writeString(head.row.hlc, to: &competing)
            competing += ",\"author\":"
            JSONValue.writeString(head.row.author, to: &competing)
            competing += ",\"value\":" + head.row.value + "}"
        }
        competing += "]"
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO conflicts(entity, entity_id, field, key, winner, competing) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key, heads[0].row.value, competing])
    }

    /// Refreshes what one touched field of one entity materialises.
    private func refresh(_ field: FieldDeclaration, of entity: EntityDeclaration, _ ref: EntityRef,
                         elements: [String: Set<String>]? = nil, refreshedTables: inout Set<String>, _ db: Database) throws {
        switch field.storage {
        case .column(let column, _):
            // A maximum (registers arrive through `touched.registers`).
            guard case .maxInteger = field.rule else { return }
            var value: String?
            try db.cachedStatement(sql: """
                SELECT value FROM field_state WHERE entity = ? AND entity_id = ? AND field = ?
                """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }) {
                if value == nil { value = $0.optionalText(0) }
            }
            try upsert(table: entity.table, id: ref.entityID, column: column, value: value.map(Self.databaseValue(json:)) ?? .null, db)
        case .milestoneTable(let table, let owner):
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ?").executeDirect { $0.text(ref.entityID) }
            // reached_on: the UTC day of the HLC's physical part (its first 15 characters, in ms).
            try db.cachedStatement(sql: """
                INSERT INTO \(table)(\(owner), milestone, reached_hlc, reached_on, op_id, author)
                SELECT entity_id, key, hlc, date(CAST(substr(hlc, 1, 15) AS INTEGER) / 1000, 'unixepoch'),
                       json_extract(value, '$'), author
                FROM field_state WHERE entity = ? AND entity_id = ? AND field = ?
                """).executeDirect { bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }
            refreshedTables.insert(table)
            try refreshDerived(from: field, of: entity, ref, db)
            try refreshSealed(by: field, of: entity, ref, refreshedTables: &refreshedTables, db)
        case .milestoneColumns(let columns):
            for (key, column) in columns.sorted(by: { $0.key < $1.key }) {
                var reached: String?
                try db.cachedStatement(sql: """
                    SELECT hlc FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? AND key = ?
                    """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name); bind.text(key) }) {
                    if reached == nil { reached = $0.optionalText(0) }
                }
                try upsert(table: entity.table, id: ref.entityID, column: column, value: reached?.databaseValue ?? .null, db)
            }
            try refreshDerived(from: field, of: entity, ref, db)
            try refreshSealed(by: field, of: entity, ref, refreshedTables: &refreshedTables, db)
        case .setTable(let table, _, _):
            try refreshSetTable(table, of: entity, ref, elements: elements, refreshedTables: &refreshedTables, db)
        case .setFlag(let table, _):
            try refreshSetTable(table, of: entity, ref, elements: elements, refreshedTables: &refreshedTables, db)
        case .recordTable(let table, let owner, let key, let members):
            refreshedTables.insert(table)
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ?").execute(arguments: [ref.entityID])
            let columns = [owner, key] + members.map(\.column)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
            for element in try setElements(ref, field: field.name, db) {
                let object = (try? JSONParser.parse(Array(element.value.utf8)))?.objectValue ?? [:]
                var arguments: [DatabaseValueConvertible] = [ref.entityID, element.key]
                // Texts as they are, numbers in decimal (the table's columns are text).
                for member in members {
                    arguments.append(object[member.member].flatMap { $0.stringValue ?? $0.intValue.map(String.init) } ?? "")
                }
                try insert.execute(arguments: StatementArguments(arguments))
            }
        case .logTable:
            break // entries are inserted as they arrive (`touched.appended`)
        case .keyedTable:
            try refreshKeyed(field, of: entity, ref, refreshedTables: &refreshedTables, db)
        case .keyedValueTable(let table, let owner, let key, let value):
            refreshedTables.insert(table)
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ?").executeDirect { $0.text(ref.entityID) }
            let insert = try db.cachedStatement(sql: "INSERT INTO \(table)(\(owner), \(key), \(value)) VALUES (?, ?, ?)")
            var winners: [(key: String, value: String)] = []
            try db.cachedStatement(sql: """
                SELECT key, value FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? ORDER BY key, \(MergeOrder.sqlWinnerFirst)
                """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }) { row in
                let key = row.text(0)
                if winners.last?.key != key { winners.append((key, row.text(1))) }
            }
            for winner in winners {
                try insert.executeDirect { bind in
                    bind.text(ref.entityID); bind.text(winner.key); bind.value(Self.databaseValue(json: winner.value))
                }
            }
        case .datesOf:
            break // written on the target's rows once they are (`fillDates`)
        }
    }

    /// Writes a dates-of-record field's winning date for each key in `column` of the rows its
    /// target field fills for this entity. Without a date, a milestone is dated by the UTC day of
    /// the timestamp that reached it (the first 15 characters of a timestamp are its milliseconds);
    /// any other row's date is NULL.
    /// `keys` nil: every row of the entity.
    private func fillDates(_ dating: EntityDeclaration.Dating, keys: Set<String>?, _ ref: EntityRef, _ db: Database) throws {
        let fallback = dating.milestones ? "date(CAST(substr(reached_hlc, 1, 15) AS INTEGER) / 1000, 'unixepoch')" : "NULL"
        let update = try db.cachedStatement(sql: """
            UPDATE \(dating.table) SET \(dating.column) = COALESCE((
                SELECT json_extract(f.value, '$') FROM field_state f
                WHERE f.entity = ?1 AND f.entity_id = ?2 AND f.field = ?3 AND f.key = \(dating.table).\(dating.key)
                ORDER BY f.\(MergeOrder.sqlWinnerFirst.replacingOccurrences(of: ", ", with: ", f."))
                LIMIT 1), \(fallback))
            WHERE \(dating.owner) = ?2 AND (?4 IS NULL OR \(dating.key) = ?4)
            """)
        for key in keys.map({ $0.sorted().map(Optional.some) }) ?? [nil] {
            try update.executeDirect { bind in
                bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(dating.field)
                if let key { bind.text(key) } else { bind.null() }
            }
        }
    }

    private func upsert(table: String, id: String, column: String, value: DatabaseValue, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO \(table)(id, \(column)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(column) = excluded.\(column)")
            .executeDirect { bind in bind.text(id); bind.value(value) }
    }

    /// Columns derived from a milestone field's reached milestones (a case's status).
    private func refreshDerived(from field: FieldDeclaration, of entity: EntityDeclaration, _ ref: EntityRef, _ db: Database) throws {
        let derived = entity.derivedColumns.filter { $0.field == field.name }
        guard !derived.isEmpty else { return }
        var reached = Set<String>()
        try db.cachedStatement(sql: """
            SELECT key FROM field_state WHERE entity = ? AND entity_id = ? AND field = ?
            """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }) {
            reached.insert($0.text(0))
        }
        for column in derived {
            try upsert(table: entity.table, id: ref.entityID, column: column.column, value: column.compute(reached).databaseValue, db)
        }
    }

    /// The keyed fields a milestone field seals are counted again when it changes.
    private func refreshSealed(by field: FieldDeclaration, of entity: EntityDeclaration, _ ref: EntityRef,
                               refreshedTables: inout Set<String>, _ db: Database) throws {
        guard case .milestones(_, let seals) = field.rule else { return }
        for sealedName in Set(seals.values).sorted() {
            if let sealed = entity.field(sealedName) { try refreshKeyed(sealed, of: entity, ref, refreshedTables: &refreshedTables, db) }
        }
    }

    /// A set table: one row per element present in the set that owns the table, or in any set
    /// flagging it, with a flag column per flagging set. With `elements` (the elements a batch
    /// changed, per set field), only those rows are written again: a meeting of thousands of
    /// attendees costs one row per attendance recorded, not the whole list each time.
    private func refreshSetTable(_ table: String, of entity: EntityDeclaration, _ ref: EntityRef,
                                 elements: [String: Set<String>]? = nil, refreshedTables: inout Set<String>, _ db: Database) throws {
        guard refreshedTables.insert(table).inserted else { return }
        if let elements {
            try refreshSetElements(table, of: entity, ref, elements: elements, db)
            return
        }
        var owner = "", element = "", members: Set<String> = []
        var flags: [(column: String, elements: Set<String>)] = []
        for field in entity.fields {
            switch field.storage {
            case .setTable(table, let ownerColumn, let elementColumn):
                (owner, element) = (ownerColumn, elementColumn)
                members.formUnion(try setElements(ref, field: field.name, db).map(\.key))
            case .setFlag(table, let column):
                let flagged = Set(try setElements(ref, field: field.name, db).map(\.key))
                flags.append((column, flagged))
                members.formUnion(flagged)
            default:
                break
            }
        }
        try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ?").execute(arguments: [ref.entityID])
        let columns = [owner, element] + flags.map(\.column)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            """)
        for member in members.sorted() {
            var arguments: [DatabaseValueConvertible] = [ref.entityID, member]
            for flag in flags { arguments.append(flag.elements.contains(member) ? 1 : 0) }
            try insert.execute(arguments: StatementArguments(arguments))
        }
    }

    /// Writes again the rows of a set table for the elements a batch changed.
    private func refreshSetElements(_ table: String, of entity: EntityDeclaration, _ ref: EntityRef,
                                    elements: [String: Set<String>], _ db: Database) throws {
        var owner = "", element = "", ownerField = ""
        var flags: [(column: String, field: String)] = []
        var changed = Set<String>()
        for field in entity.fields {
            switch field.storage {
            case .setTable(table, let ownerColumn, let elementColumn):
                (owner, element, ownerField) = (ownerColumn, elementColumn, field.name)
                changed.formUnion(elements[field.name] ?? [])
            case .setFlag(table, let column):
                flags.append((column, field.name))
                changed.formUnion(elements[field.name] ?? [])
            default:
                break
            }
        }
        guard !owner.isEmpty else { return }
        let fields = [ownerField] + flags.map(\.field)
        let present = try db.cachedStatement(sql: """
            SELECT DISTINCT field FROM field_state WHERE entity = ? AND entity_id = ? AND key = ? AND field IN (\(fields.map { _ in "?" }.joined(separator: ", ")))
            """)
        let delete = try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ? AND \(element) = ?")
        let columns = [owner, element] + flags.map(\.column)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            """)
        for key in changed.sorted() {
            var holding = Set<String>()
            try present.queryDirect({ bind in
                bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(key)
                for field in fields { bind.text(field) }
            }) { holding.insert($0.text(0)) }
            try delete.executeDirect { bind in bind.text(ref.entityID); bind.text(key) }
            guard !holding.isEmpty else { continue }
            try insert.executeDirect { bind in
                bind.text(ref.entityID); bind.text(key)
                for flag in flags { bind.int(holding.contains(flag.field) ? 1 : 0) }
            }
        }
    }

    private func deleteConflict(_ scope: Scope, _ db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM conflicts WHERE entity = ? AND entity_id = ? AND field = ? AND key = ?")
            .execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key])
    }

    /// The elements present in an add-wins set, with the value of their newest addition.
    func setElements(_ ref: EntityRef, field: String, _ db: Database) throws -> [(key: String, value: String, author: String)] {
        var result: [(key: String, value: String, author: String)] = []
        try db.cachedStatement(sql: """
            SELECT key, value, author, hlc FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? ORDER BY key, \(MergeOrder.sqlWinnerFirst)
            """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field) }) { row in
            let key = row.text(0)
            if result.last?.key == key { return }
            result.append((key, row.text(1), row.text(2)))
        }
        return result
    }

    /// A keyed field's table (one row per key): the current value, the value that counts, and
    /// whether the key has a value the sealing did not see.
    ///
    /// A milestone that seals the field (a motion's `closed` sealing its `votes`; its value is
    /// `"sealed"`) names, in its context, each key's winning value its replica held. A key's
    /// counted value is that one; its values dated before it were seen through it. A value dated
    /// before the sealing but after the key's sealed value, or for a key the sealing did not see
    /// at all (cast offline, or on a device whose clock was slow, and delivered after the close),
    /// is marked `late` and does not count: every replica agrees, because the sealing's context
    /// travels with it. A sealing from an older client (null value) keeps the rule it was made
    /// under: the last value dated before it counts. Until sealed, the current value counts.
    private func refreshKeyed(_ field: FieldDeclaration, of entity: EntityDeclaration, _ ref: EntityRef,
                              refreshedTables: inout Set<String>, _ db: Database) throws {
        guard case .keyedTable(let table, let owner, let keyColumn, let valueColumn, let countedColumn, let lateColumn) = field.storage,
              refreshedTables.insert(table).inserted else { return }
        try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(owner) = ?").executeDirect { $0.text(ref.entityID) }
        struct Cast { var id: String; var key: String; var value: String; var hlc: String }
        var cast: [Cast] = []
        try db.cachedStatement(sql: """
            SELECT op_id, key, value, hlc FROM oplog WHERE entity = ? AND entity_id = ? AND field = ? AND held = 0
            """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }) { row in
            cast.append(Cast(id: row.text(0), key: row.text(1), value: row.text(2), hlc: row.text(3)))
        }
        func later(_ a: Cast, than b: Cast) -> Bool { (a.hlc, a.id) > (b.hlc, b.id) }
        var counted: [String: Cast] = [:]
        var late: Set<String> = []
        // The milestone that seals this field, if reached: its earliest reaching operation.
        var sealing: Row?
        for sealer in entity.fields {
            guard case .milestones(_, let seals) = sealer.rule else { continue }
            for (milestone, sealedField) in seals.sorted(by: { $0.key < $1.key }) where sealedField == field.name && sealing == nil {
                sealing = try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT o.hlc, o.value, o.context FROM field_state f JOIN oplog o ON o.op_id = json_extract(f.value, '$')
                    WHERE f.entity = ? AND f.entity_id = ? AND f.field = ? AND f.key = ?
                    """), arguments: [ref.entity.rawValue, ref.entityID, sealer.name, milestone])
            }
        }
        if let sealing {
            let sealedHLC: String = sealing[0]
            let before = cast.filter { $0.hlc < sealedHLC }
            if (sealing[1] as String) == SyncOperation.sealedMarker.canonicalJSON {
                let contextJSON: String = sealing[2]
                let named = Set((try? JSONParser.parse(Array(contextJSON.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? [])
                for value in before where named.contains(value.id) {
                    if let sealed = counted[value.key], !later(value, than: sealed) { continue }
                    counted[value.key] = value
                }
                for value in before {
                    guard let sealed = counted[value.key], !later(value, than: sealed) else { late.insert(value.key); continue }
                }
            } else {
                for value in before where counted[value.key].map({ later(value, than: $0) }) ?? true { counted[value.key] = value }
            }
        } else {
            for value in cast where counted[value.key].map({ later(value, than: $0) }) ?? true { counted[value.key] = value }
        }
        var current: [(key: String, value: String, hlc: String)] = []
        try db.cachedStatement(sql: """
            SELECT key, value, hlc FROM field_state WHERE entity = ? AND entity_id = ? AND field = ?
            ORDER BY key, \(MergeOrder.sqlWinnerFirst)
            """).queryDirect({ bind in bind.text(ref.entity.rawValue); bind.text(ref.entityID); bind.text(field.name) }) { row in
            current.append((row.text(0), row.text(1), row.text(2)))
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO \(table)(\(owner), \(keyColumn), \(valueColumn), hlc, \(countedColumn), \(lateColumn)) VALUES (?, ?, ?, ?, ?, ?)
            """)
        var written = Set<String>()
        for row in current {
            let key = row.key
            guard written.insert(key).inserted else { continue }
            try insert.executeDirect { bind in
                bind.text(ref.entityID); bind.text(key); bind.value(Self.databaseValue(json: row.value)); bind.text(row.hlc)
                bind.value(counted[key].map { Self.databaseValue(json: $0.value) } ?? .null); bind.int(late.contains(key) ? 1 : 0)
            }
        }
    }

    /// Canonical JSON text to a column value: strings and integers become plain SQLite values
    /// (so the tables read naturally in the `sqlite3` shell); arrays and objects stay JSON text.
    static func databaseValue(json: String) -> DatabaseValue {
        guard let first = json.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "\""):
            if !json.utf8.contains(UInt8(ascii: "\\")) {
                return String(json.dropFirst().dropLast()).databaseValue
            }
            let decoded = try? JSONDecoder().decode(String.self, from: Data(json.utf8))
            return decoded?.databaseValue ?? .null
        case UInt8(ascii: "n"):
            return .null
        case UInt8(ascii: "t"): return 1.databaseValue
        case UInt8(ascii: "f"): return 0.databaseValue
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return Int64(json).map(\.databaseValue) ?? json.databaseValue
        default:
            return json.databaseValue
        }
    }
}
