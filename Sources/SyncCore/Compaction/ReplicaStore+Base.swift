import GRDB

/// The base a compaction leaves: where a rebuild starts, and what the history of an entity
/// shows of the operations it dropped.
extension ReplicaStore {
    /// Whether the operation id the SQL expression `id` gives is in `compacted_ranges`: the
    /// range starting at or before its counter, found by one index seek, reaches it.
    static func inCompactedRanges(_ id: String) -> String {
        """
        coalesce((SELECT r.high >= CAST(substr(\(id), instr(\(id), ':') + 1) AS INTEGER) FROM compacted_ranges r
                  WHERE r.replica = substr(\(id), 1, instr(\(id), ':') - 1)
                    AND r.low <= CAST(substr(\(id), instr(\(id), ':') + 1) AS INTEGER)
                  ORDER BY r.low DESC LIMIT 1), 0)
        """
    }

    /// The merge rows of compacted operations: the base a rebuild starts from (a register head,
    /// a set's addition, a log entry, a milestone reached, a maximum no merged operation gives).
    /// Merging the rest of the log on top gives the state again, because every rule is a join
    /// and what those operations overwrote the merge still knows (`compacted_ranges`,
    /// `compacted_writes`, `superseded`). A row whose operation is neither compacted nor
    /// logged is damage, and is left out.
    static let baseRowsSQL = """
        SELECT f.entity, f.entity_id, f.field, f.key, f.op_id, f.hlc, f.author, f.value FROM field_state f
        WHERE CASE
            WHEN f.op_id != '' THEN \(inCompactedRanges("f.op_id"))
            WHEN json_type(f.value) = 'text' THEN \(inCompactedRanges("json_extract(f.value, '$')"))
            ELSE NOT EXISTS (SELECT 1 FROM oplog o WHERE o.entity = f.entity AND o.entity_id = f.entity_id AND o.field = f.field
                             AND o.key = f.key AND o.hlc = f.hlc AND o.held = 0 AND NOT \(inCompactedRanges("o.op_id")))
        END
        """

    /// Clears the derived tables and puts the compaction's base back as the state, its entities
    /// materialised as if their operations had just been merged. Operations named before they
    /// arrived (`superseded`) stay: the compacted operations that named them are gone. The
    /// rebuild then merges the log's operations that are not compacted (a replica keeps its own
    /// in the log even when a snapshot says the server compacted them: they are in the base).
    /// Without a compaction, everything derived is simply cleared.
    func restoreBase(_ db: Database) throws {
        guard try hasCompacted(db) else {
            for table in derivedTables { try db.execute(sql: "DELETE FROM \(table)") }
            return
        }
        try db.execute(sql: "DROP TABLE IF EXISTS temp.rebuild_base")
        try db.execute(sql: "CREATE TEMP TABLE rebuild_base AS \(Self.baseRowsSQL)")
        for table in derivedTables where table != "superseded" { try db.execute(sql: "DELETE FROM \(table)") }
        try db.execute(sql: """
            INSERT INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value)
                SELECT entity, entity_id, field, key, op_id, hlc, author, value FROM temp.rebuild_base;
            DROP TABLE temp.rebuild_base;
            """)
        try materializeFromState(db)
        // After the entity rows exist: the digest counts them.
        try rewriteKeptDigest(db)
    }

    /// Materialises every entity from its merge rows alone, a chunk of entities at a time:
    /// its row, register columns and conflicts, child tables, and log tables (each log entry
    /// is a merge row of its own).
    func materializeFromState(chunkSize: Int = 2_000, _ db: Database) throws {
        var after = (entity: "", id: "")
        while true {
            let refs = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT entity, entity_id FROM field_state WHERE (entity, entity_id) > (?, ?) ORDER BY entity, entity_id LIMIT ?
                """), arguments: [after.entity, after.id, chunkSize])
            guard let last = refs.last else { return }
            after = (last[0], last[1])
            var merge = try BatchMerge(store: self, logMerged: false, db)
            let rows = try db.cachedStatement(sql: "SELECT field, key, op_id, hlc, author, value FROM field_state WHERE entity = ? AND entity_id = ?")
            for refRow in refs {
                guard let kind = EntityKind(rawValue: refRow[0] as String), let entity = schema.entity(kind) else { continue }
                let ref = EntityRef(entity: kind, entityID: refRow[1])
                var changes = BatchMerge.EntityChanges()
                for row in try Row.fetchAll(rows, arguments: [kind.rawValue, ref.entityID]) {
                    let fieldName: String = row[0], key: String = row[1]
                    guard let field = entity.field(fieldName) else { continue }
                    switch field.rule {
                    case .register, .keyedRegister:
                        let scope = Scope(entity: kind, entityID: ref.entityID, field: fieldName, key: key)
                        if changes.registers.insert(scope).inserted { _ = try merge.load(scope, db) }
                        if !key.isEmpty { changes.fields.insert(fieldName) }
                    case .addWinsSet:
                        changes.fields.insert(fieldName)
                        changes.elements[fieldName, default: []].insert(key)
                    case .log:
                        changes.fields.insert(fieldName)
                        let opText: String = row[2], valueText: String = row[5]
                        if let id = OperationID(opText), let hlc = HLCTimestamp(row[3] as String) {
                            merge.appended.append(SyncOperation(
                                id: id, hlc: hlc, author: row[4], entity: kind, entityID: ref.entityID, field: fieldName, key: key,
                                kind: .append, value: (try? JSONParser.parse(Array(valueText.utf8))) ?? .null, context: []))
                        }
                    case .maxInteger, .milestones:
                        changes.fields.insert(fieldName)
                    }
                }
                merge.entities[ref] = changes
                // Materialised as new: its row is created.
                merge.existing.remove(ref)
            }
            var created = Set<EntityKey>()
            try materialize(merge, created: &created, db)
        }
    }

    /// The operations an entity's history shows that a compaction dropped: those whose effect
    /// is still in the state (a register's current value, a set's element present, a log
    /// entry, a milestone reached), rebuilt from the merge rows. What they overwrote is gone:
    /// that is what compaction saves.
    func compactedHistory(of kind: EntityKind, _ id: String, _ db: Database) throws -> [LoggedOperation] {
        guard let entity = schema.entity(kind), try hasCompacted(db) else { return [] }
        var result: [LoggedOperation] = []
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT f.field, f.key, f.op_id, f.hlc, f.author, f.value FROM field_state f
            WHERE f.entity = ? AND f.entity_id = ?
              AND NOT EXISTS (SELECT 1 FROM oplog o WHERE o.op_id = CASE WHEN f.op_id = '' THEN json_extract(f.value, '$') ELSE f.op_id END)
            """), arguments: [kind.rawValue, id]) {
            let fieldName: String = row[0], key: String = row[1], opText: String = row[2], valueText: String = row[5]
            guard let field = entity.field(fieldName), let hlc = HLCTimestamp(row[3] as String) else { continue }
            let value = (try? JSONParser.parse(Array(valueText.utf8))) ?? .null
            let operation: (OperationKind, String, JSONValue)
            switch field.rule {
            case .register, .keyedRegister: operation = (.set, opText, value)
            case .addWinsSet: operation = (.add, opText, value)
            case .log: operation = (.append, opText, value)
            case .milestones: operation = (.reach, value.stringValue ?? "", .null)
            case .maxInteger: continue // its operations are not known by id (a case's step keeps its history)
            }
            guard let opID = OperationID(operation.1) else { continue }
            result.append(LoggedOperation(
                seq: 0, operation: SyncOperation(id: opID, hlc: hlc, author: row[4], entity: kind, entityID: id, field: fieldName,
                                                 key: key, kind: operation.0, value: operation.2, context: []),
                local: opID.replica == replicaID, syncState: .acknowledged, rejectReason: nil))
        }
        return result
    }
}
