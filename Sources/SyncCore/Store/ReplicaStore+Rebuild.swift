import GRDB

/// Rebuilding the merge state from the log, and re-dating local operations that no server can
/// hold. The state is a function of the set of logged operations, so it can always be derived
/// again: after a schema change of the merge metadata, after re-dating, or to check a store.
extension ReplicaStore {
    /// Every table derived from the log: merge metadata and materialised state.
    var derivedTables: [String] { ["field_state", "superseded"] + schema.tables.map(\.name) + ["conflicts", "digest_buckets"] }

    /// Clears the merge metadata, the materialised tables and the digest, starts again from the
    /// base a compaction left (if any, see `restoreBase`), and merges every logged operation
    /// again, in timestamp order, `chunkSize` at a time. The log, the clock and the counter are left as
    /// they are.
    public func rebuildState(chunkSize: Int = 5_000, _ db: Database) throws {
        try restoreBase(db)
        let compacted = try hasCompacted(db)
        var after: (hlc: String, id: String) = ("", "")
        while true {
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM oplog WHERE hlc > ?1 OR (hlc = ?1 AND op_id > ?2) ORDER BY hlc, op_id LIMIT ?3
                """), arguments: [after.hlc, after.id, chunkSize])
            if rows.isEmpty { return }
            // Later chunks are logged but not merged yet: no shortcut may assume otherwise.
            var merge = try BatchMerge(store: self, logMerged: false, db)
            let hold = try db.cachedStatement(sql: "UPDATE oplog SET held = ? WHERE op_id = ?")
            for row in rows {
                let op = try Self.loggedOperation(row).operation
                let prepared = PreparedOperation(op)
                after = (prepared.hlcText, prepared.idText)
                // Operations this schema does not know stay held; known ones (again) merge.
                let known = (try? op.validate(against: catalog)) != nil
                if (row["held"] as Int64? ?? 0) != (known ? 0 : 1) { try hold.execute(arguments: [known ? 0 : 1, prepared.idText]) }
                guard known else { continue }
                // In the base already (see `restoreBase`).
                if compacted, try isCompacted(op.id, db) { continue }
                try merge.merge(prepared, local: false, db)
            }
            _ = try merge.finish(db)
        }
    }

    /// Rebuilds the state in its own transaction.
    public func rebuildState() throws {
        try wrap { try writer.write { db in try rebuildState(db) } }
    }

    /// Re-dates this replica's own operations that no server can have stored because they are
    /// dated more than the server's tolerance after its time: written while the device's clock
    /// ran ahead, and refused (`clock_ahead`) or not yet pushed. Each gets a fresh timestamp on
    /// the corrected clock, in the order they were written, after every other operation in the
    /// log, so causal order is kept; ids stay, so contexts that name them stay valid. The
    /// replica's clock then moves back to the corrected time, and the state is rebuilt.
    ///
    /// Acknowledged operations are never touched, nor any dated within the tolerance (the
    /// server may hold those). Returns the re-dated ids.
    @discardableResult
    public func redateLocalOperations(datedAfter thresholdMilliseconds: Int64, _ db: Database) throws -> [OperationID] {
        // The first 15 characters of a timestamp's text are its zero-padded milliseconds.
        let thresholdText = String(HLCTimestamp(wallMilliseconds: min(max(0, thresholdMilliseconds), HLCTimestamp.maxWallMilliseconds),
                                                logical: 0, replica: replicaID).description.prefix(15))
        let future = "origin_local = 1 AND sync_state != 1 AND substr(hlc, 1, 15) > ?"
        let rows = try Row.fetchAll(db, sql: "SELECT seq, op_id FROM oplog WHERE \(future) ORDER BY seq", arguments: [thresholdText])
        guard !rows.isEmpty else { return [] }
        var clock = HybridLogicalClock(replica: replicaID, wallClock: try correctedWallClock(db))
        if let latest = try String.fetchOne(db, sql: "SELECT max(hlc) FROM oplog WHERE NOT (\(future))", arguments: [thresholdText]),
           let hlc = HLCTimestamp(latest) {
            clock.observe(hlc)
        }
        let update = try db.cachedStatement(sql: """
            UPDATE oplog SET hlc = ?, sync_state = CASE sync_state WHEN 2 THEN 2 ELSE 0 END,
                   reject_reason = CASE sync_state WHEN 2 THEN reject_reason ELSE NULL END
            WHERE seq = ?
            """)
        var redated: [OperationID] = []
        for row in rows {
            let stamp = try clock.now()
            try update.execute(arguments: [stamp.description, row[0] as Int64])
            if let id = OperationID(row[1] as String) { redated.append(id) }
        }
        try saveClock(clock, db)
        try rebuildState(db)
        return redated
    }
}
