import GRDB

/// Copying entities whole between stores (`EntitySnapshot`): the source reads them, the
/// destination takes them in without merging.
extension ReplicaStore {
    /// The columns of the engine's `conflicts` table, in order.
    static let conflictsColumns = ["entity", "entity_id", "field", "key", "winner", "competing"]

    /// The snapshots of `keys` (entities this store does not hold are left out).
    public func snapshots(of keys: [EntityKey], _ db: Database) throws -> [EntitySnapshot] {
        var result: [EntitySnapshot] = []
        result.reserveCapacity(keys.count)
        let operations = try db.cachedStatement(sql: "SELECT * FROM oplog WHERE entity = ? AND entity_id = ? ORDER BY seq")
        let state = try db.cachedStatement(sql: """
            SELECT field, key, op_id, hlc, author, value FROM field_state WHERE entity = ? AND entity_id = ?
            """)
        let superseded = try db.cachedStatement(sql: "SELECT op_id, field, key, by_hlc FROM superseded WHERE entity = ? AND entity_id = ?")
        let compacted = try hasCompacted(db)
        for key in keys {
            guard let declaration = schema.entity(key.entity) else { continue }
            let arguments: StatementArguments = [key.entity.rawValue, key.id]
            var tables: [String: [[JSONValue]]] = [:]
            let owners = schema.snapshotOwners(of: key.entity)
            for (name, columns) in schema.snapshotTables(of: key.entity) {
                let filter = name == "conflicts" ? "entity = ? AND entity_id = ?" : "\(owners[name] ?? "id") = ?"
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM \(name) WHERE \(filter)"),
                                            arguments: name == "conflicts" ? arguments : [key.id])
                if rows.isEmpty { continue }
                tables[name] = rows.map { row in
                    (0..<row.count).map { index -> JSONValue in
                        let value: DatabaseValue = row[index]
                        switch value.storage {
                        case .int64(let int): return .int(int)
                        case .string(let text): return .string(text)
                        case .double(let double): return .int(Int64(double))
                        case .blob, .null: return .null
                        }
                    }
                }
            }
            guard tables[declaration.table] != nil else { continue }
            result.append(EntitySnapshot(
                key: key,
                operations: try Row.fetchAll(operations, arguments: arguments).map { try Self.loggedOperation($0).operation },
                state: try Row.fetchAll(state, arguments: arguments).map {
                    .init(field: $0[0], key: $0[1], opID: $0[2], hlc: $0[3], author: $0[4], value: $0[5])
                },
                superseded: try Row.fetchAll(superseded, arguments: arguments).map {
                    .init(opID: $0[0], field: $0[1], key: $0[2], byHLC: $0[3])
                },
                tables: tables,
                compacted: compacted ? try compactedPart(of: key, db) : nil))
        }
        return result
    }

    /// What this store's compactions keep of an entity (nil: none of its operations was dropped).
    func compactedPart(of key: EntityKey, _ db: Database) throws -> EntitySnapshot.CompactedPart? {
        guard try hasCompactedHistory(key, db) else { return nil }
        return EntitySnapshot.CompactedPart(droppedWrites: try Row.fetchAll(db.cachedStatement(sql: """
            SELECT field, key, kind, replica, hlc FROM compacted_writes WHERE entity = ? AND entity_id = ?
            """), arguments: [key.entity.rawValue, key.id]).map { .init(field: $0[0], key: $0[1], kind: $0[2], replica: $0[3], hlc: $0[4]) })
    }

    /// What taking in snapshots did.
    public struct SnapshotImport: Sendable, Equatable {
        /// Entities taken in, and the operations their logs brought that this store lacked.
        public var entities = 0
        public var newOperations = 0
        /// Operations this replica holds on those entities that the snapshots did not carry,
        /// merged again on top.
        public var remerged = 0
    }

    /// Takes entities in whole, in the caller's transaction: each one's rows here (merge state,
    /// materialised rows, conflicts) are replaced by the snapshot's, its operations are added to
    /// the log (those already here stay as they are), and this replica's own operations on it
    /// that no server has stored yet (waiting, deferred, refused) are merged again on top, so
    /// nothing written here is lost. The digest moves by the difference.
    ///
    /// The snapshot must come from a store of the same schema version (the caller checks it).
    @discardableResult
    ///
    /// `compactedRanges`: the source's (see `ReplicaStore.compact`); they say which operations
    /// its state holds without its log. Added to this store's, or with `replacingRanges` (the
    /// first page of a whole snapshot) in place of them.
    public func importSnapshots(_ snapshots: [EntitySnapshot], compactedRanges: [CompactedRange] = [], replacingRanges: Bool = false,
                                _ db: Database) throws -> SnapshotImport {
        var result = SnapshotImport()
        try adoptCompactedRanges(compactedRanges, replacing: replacingRanges, db)
        guard !snapshots.isEmpty else { return result }
        let compacted = try hasCompacted(db)
        // Operations the snapshots carry that this store had compacted (see below).
        var compactedAgain: [String] = []
        var clock = try loadClock(db)
        var counter = try loadCounter(db)
        var changes = StateChanges()
        var remerge: [PreparedOperation] = []
        let insertState = try db.cachedStatement(sql: """
            INSERT INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertSuperseded = try db.cachedStatement(sql: """
            INSERT INTO superseded(op_id, entity, entity_id, field, key, by_hlc) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(op_id, entity, entity_id, field, key) DO UPDATE SET by_hlc = max(by_hlc, excluded.by_hlc)
            """)
        for snapshot in snapshots {
            let key = snapshot.key
            guard let declaration = schema.entity(key.entity) else { continue }
            let arguments: StatementArguments = [key.entity.rawValue, key.id]
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM \(declaration.table) WHERE id = ?", arguments: [key.id]) != nil
            let before = try entityHash(key, db)
            try db.execute(sql: "DELETE FROM field_state WHERE entity = ? AND entity_id = ?", arguments: arguments)
            try db.execute(sql: "DELETE FROM superseded WHERE entity = ? AND entity_id = ?", arguments: arguments)
            try replaceCompactedPart(of: key, with: snapshot.compacted, db)
            let owners = schema.snapshotOwners(of: key.entity)
            let tables = schema.snapshotTables(of: key.entity)
            for (name, owner) in owners {
                if name == "conflicts" {
                    try db.execute(sql: "DELETE FROM conflicts WHERE entity = ? AND entity_id = ?", arguments: arguments)
                } else {
                    try db.execute(sql: "DELETE FROM \(name) WHERE \(owner) = ?", arguments: [key.id])
                }
            }
            for op in snapshot.operations {
                let prepared = PreparedOperation(op)
                let held = (try? op.validate(against: catalog)) == nil
                if try insertIntoLog(prepared, local: false, held: held, db) { result.newOperations += 1 }
                clock.observe(op.hlc)
                if op.id.replica == replicaID { counter = max(counter, op.id.counter) }
            }
            for row in snapshot.state {
                try insertState.execute(arguments: [key.entity.rawValue, key.id, row.field, row.key, row.opID, row.hlc, row.author, row.value])
            }
            for row in snapshot.superseded {
                try insertSuperseded.execute(arguments: [row.opID, key.entity.rawValue, key.id, row.field, row.key, row.byHLC])
            }
            if compacted {
                for op in snapshot.operations where op.id.replica != replicaID {
                    if try isCompacted(op.id, db) { compactedAgain.append(op.id.description) }
                }
            }
            for (name, rows) in snapshot.tables {
                guard let columns = tables[name], !rows.isEmpty else { continue }
                let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
                let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(name)(\(columns.joined(separator: ", "))) VALUES (\(marks))")
                for row in rows {
                    try insert.execute(arguments: StatementArguments(row.map { value -> DatabaseValue in
                        switch value {
                        case .int(let int): return int.databaseValue
                        case .string(let text): return text.databaseValue
                        default: return .null
                        }
                    }))
                }
            }
            let after = snapshot.hash
            if after != before { changes.hashes[key] = after - before }
            if !existed { changes.created.insert(key) }
            result.entities += 1
            // Operations on it this replica holds and the snapshot does not (its own not yet
            // stored, others' taken in by `field import`): merged again on top.
            // Those the source compacted are merged in the state taken: others' leave the log,
            // this replica's own stay (for a server restored from an older backup), out of the
            // merge like any compacted operation.
            let carried = Set(snapshot.operations.map(\.id.description))
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE entity = ? AND entity_id = ? AND held = 0"),
                                        arguments: arguments) where !carried.contains(row["op_id"] as String) {
                let logged = try Self.loggedOperation(row)
                if compacted, try isCompacted(logged.operation.id, db) {
                    if !logged.local { try db.execute(sql: "DELETE FROM oplog WHERE op_id = ?", arguments: [logged.operation.id.description]) }
                    continue
                }
                remerge.append(PreparedOperation(logged.operation))
            }
        }
        // Operations the snapshots carry that this store had compacted: their effect is in the
        // state taken, so they leave the log again, and what they overwrote among the operations
        // that stay here stays overwritten, as `compact` records it (before anything is merged).
        if !compactedAgain.isEmpty {
            try stageDropped(where: "op_id IN (SELECT value FROM json_each(?))",
                             arguments: [JSONValue.array(compactedAgain.map(JSONValue.string)).canonicalJSON], db)
            try supersedeKeptByDropped(db)
            try db.execute(sql: "DELETE FROM oplog WHERE op_id IN (SELECT op_id FROM temp.compaction_dropped); DROP TABLE temp.compaction_dropped")
        }
        try moveDigest(by: changes, db)
        if !remerge.isEmpty {
            var merge = try BatchMerge(store: self, logMerged: false, db)
            for prepared in remerge.sorted(by: { ($0.hlcText, $0.idText) < ($1.hlcText, $1.idText) }) {
                try merge.merge(prepared, local: false, db)
            }
            _ = try merge.finish(db)
            result.remerged = remerge.count
        }
        try saveClock(clock, db)
        try saveCounter(counter, db)
        return result
    }

    /// Replaces what this store keeps of an entity's compacted operations with a snapshot's.
    func replaceCompactedPart(of key: EntityKey, with part: EntitySnapshot.CompactedPart?, _ db: Database) throws {
        let arguments: StatementArguments = [key.entity.rawValue, key.id]
        for table in ["compacted_writes", "compacted_entities"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE entity = ? AND entity_id = ?", arguments: arguments)
        }
        guard let part else { return }
        try db.execute(sql: "INSERT INTO compacted_entities(entity, entity_id) VALUES (?, ?)", arguments: arguments)
        for row in part.droppedWrites {
            try db.execute(sql: """
                INSERT INTO compacted_writes(entity, entity_id, field, key, kind, replica, hlc) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(entity, entity_id, field, key, kind, replica) DO UPDATE SET hlc = max(hlc, excluded.hlc)
                """, arguments: [key.entity.rawValue, key.id, row.field, row.key, row.kind, row.replica, row.hlc])
        }
    }
}
