import GRDB

/// Taking in a snapshot file (`GET /v1/snapshot/file`): the server's tables for what this
/// replica may see, copied into the replica's by SQLite, nothing merged.
extension ReplicaStore {
    /// What a snapshot file brought.
    public struct SnapshotFileImport: Sendable, Equatable {
        /// The log position the snapshot stands at (the pull goes on from it).
        public var position: Int64
        /// The scope the server made it for.
        public var scope: String
        public var operations: Int
        public var entities: Int
        /// Operations of this replica's log the snapshot does not hold, merged again on top.
        public var remerged: Int
    }

    /// Replaces this replica's state with the snapshot file's, in one transaction: its log
    /// operations are added (those already here stay), the merge state, materialised rows and
    /// conflicts are copied, and every operation of this replica's log that the snapshot does
    /// not hold is merged again on top (nothing written or taken in here is lost); the digest is computed
    /// from the rows. `alsoInTransaction` runs in the same transaction (the caller's cursor).
    /// Refuses a file of another format, schema or version.
    @discardableResult
    public func importSnapshotFile(_ path: String, alsoInTransaction: (Database, SnapshotFileImport) throws -> Void = { _, _ in }) throws -> SnapshotFileImport {
        try wrapSnapshot {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS snap", arguments: [path])
                defer { try? db.execute(sql: "DETACH DATABASE snap") }
                var result: SnapshotFileImport?
                try db.inTransaction {
                    let imported = try importAttachedSnapshot(db)
                    try alsoInTransaction(db, imported)
                    result = imported
                    return .commit
                }
                return result!
            }
        }
    }

    private func importAttachedSnapshot(_ db: Database) throws -> SnapshotFileImport {
        var meta: [String: String] = [:]
        if try db.tableExists("snapshot_meta", in: "snap") {
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM snap.snapshot_meta") { meta[row[0]] = row[1] }
        }
        guard meta["format"] == "civicsync-snapshot-1", let position = meta["position"].flatMap(Int64.init), position >= 0 else {
            throw SyncError(.malformed, "the file is not a CivicSync snapshot")
        }
        guard meta["schema"] == schema.name, meta["version"] == String(schema.version) else {
            throw SyncError(.incompatibleReplica, "the snapshot is of schema '\(meta["schema"] ?? "?")' version \(meta["version"] ?? "?"), this replica '\(schema.name)' version \(schema.version)")
        }
        // Every operation of this replica's log that the snapshot does not hold (its own not yet
        // stored, or stored after the snapshot was made; others' taken in by `field import`),
        // kept aside to merge on top: the state must stay that of the whole log.
        let missingRows = try Row.fetchAll(db, sql: "SELECT * FROM main.oplog WHERE held = 0 AND op_id NOT IN (SELECT op_id FROM snap.oplog)")
            .map { try Self.loggedOperation($0) }
        // A snapshot of a compacted store also says what it keeps of the operations it dropped
        // (files of older servers do not); this replica's own record of its compactions gives
        // way to it, as its state does.
        let compactedSource = try db.tableExists("compacted_writes", in: "snap")
        for table in ["field_state", "superseded", "conflicts", "digest_buckets", "compacted_writes", "compacted_entities"]
                + schema.materializedTableNames {
            try db.execute(sql: "DELETE FROM main.\(table)")
        }
        try db.execute(sql: """
            INSERT OR IGNORE INTO main.oplog(op_id, hlc, author, entity, entity_id, field, key, kind, value, context, origin_local, sync_state, held)
            SELECT op_id, hlc, author, entity, entity_id, field, key, kind, value, context, 0, 0, held FROM snap.oplog ORDER BY seq
            """)
        var missing: [SyncOperation] = []
        if compactedSource {
            try db.execute(sql: """
                INSERT INTO main.compacted_writes SELECT entity, entity_id, field, key, kind, replica, hlc FROM snap.compacted_writes;
                INSERT INTO main.compacted_entities SELECT entity, entity_id FROM snap.compacted_entities;
                """)
        }
        // The ranges say what the state holds without the log: the snapshot's state, so its ranges.
        try adoptCompactedRanges(compactedSource ? try Row.fetchAll(db, sql: "SELECT replica, low, high FROM snap.compacted_ranges")
            .map { CompactedRange(replica: $0[0], low: $0[1], high: $0[2]) } : [], replacing: true, db)
        let compacted = try hasCompacted(db)
        for logged in missingRows {
            // What the source compacted is merged in the state taken: it leaves the log, unless
            // it is this replica's own (kept for a server restored from an older backup).
            if compacted, try isCompacted(logged.operation.id, db) {
                if !logged.local {
                    try db.execute(sql: "DELETE FROM main.oplog WHERE op_id = ?", arguments: [logged.operation.id.description])
                }
                continue
            }
            missing.append(logged.operation)
        }
        let operations = try Int.fetchOne(db, sql: "SELECT count(*) FROM snap.oplog") ?? 0
        let copies: [(String, [String])] = [
            ("field_state", ["entity", "entity_id", "field", "key", "op_id", "hlc", "author", "value"]),
            ("superseded", ["op_id", "entity", "entity_id", "field", "key", "by_hlc"]),
            ("conflicts", Self.conflictsColumns),
        ] + schema.entities.flatMap { entity in
            schema.snapshotTables(of: entity.kind).filter { $0.key != "conflicts" }.map { ($0.key, $0.value) }
        }
        for (table, columns) in copies {
            let list = columns.joined(separator: ", ")
            try db.execute(sql: "INSERT INTO main.\(table)(\(list)) SELECT \(list) FROM snap.\(table)")
        }
        let remerge = missing
        let own = replicaID.rawValue
        if !remerge.isEmpty {
            var merge = try BatchMerge(store: self, logMerged: false, db)
            for prepared in remerge.map(PreparedOperation.init).sorted(by: { ($0.hlcText, $0.idText) < ($1.hlcText, $1.idText) }) {
                try merge.merge(prepared, local: false, db)
            }
            _ = try merge.finish(db)
        }
        try rewriteKeptDigest(db)
        var clock = try loadClock(db)
        if let latest = try String.fetchOne(db, sql: "SELECT max(hlc) FROM snap.oplog").flatMap(HLCTimestamp.init) { clock.observe(latest) }
        try saveClock(clock, db)
        let highest = try Int64.fetchOne(db, sql: """
            SELECT max(CAST(substr(op_id, ?2) AS INTEGER)) FROM snap.oplog WHERE op_id > ?1 || ':' AND op_id < ?1 || ';'
            """, arguments: [own, own.utf8.count + 2]) ?? 0
        if highest > (try loadCounter(db)) { try saveCounter(highest, db) }
        let entities = try stateDigest(db).entities
        return SnapshotFileImport(position: position, scope: meta["scope"] ?? "", operations: operations, entities: entities,
                                  remerged: remerge.count)
    }

    private func wrapSnapshot<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.malformed, "the snapshot file cannot be taken in; nothing was changed", cause: error)
        }
    }
}
