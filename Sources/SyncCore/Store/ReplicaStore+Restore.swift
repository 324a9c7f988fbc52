import GRDB

/// What a replica does when a server's log or its own file turns out to have been restored
/// from an older copy (docs/OPERATIONS.md, "Backup, restore and epochs").
extension ReplicaStore {
    /// Takes in what the server holds of this replica's own operations: the counter moves past
    /// the highest one and the clock past the latest timestamp, so a file restored from an old
    /// copy of itself never numbers or dates a new operation like one it already made.
    /// Returns whether the counter moved.
    @discardableResult
    public func adoptServerKnowledge(highestCounter: Int64, latestTimestamp: HLCTimestamp?, _ db: Database) throws -> Bool {
        if let latestTimestamp {
            var clock = try loadClock(db)
            clock.observe(latestTimestamp)
            try saveClock(clock, db)
        }
        let counter = try loadCounter(db)
        guard highestCounter > counter else { return false }
        try saveCounter(highestCounter, db)
        return true
    }

    /// Makes every operation of this replica's own that a server acknowledged wait again, to be
    /// pushed once more (the server lost them if it was restored; a server that has them
    /// acknowledges them again without storing anything). Operations of this replica's id
    /// received back from the server (a file restored from an old copy of itself pulled them)
    /// count as its own. Returns their ids.
    public func resendAcknowledged(_ db: Database) throws -> [OperationID] {
        let own = replicaID.rawValue
        try db.execute(sql: """
            UPDATE oplog SET origin_local = 1, sync_state = 1 WHERE origin_local = 0 AND op_id > ? || ':' AND op_id < ? || ';'
            """, arguments: [own, own])
        // The waiting and deferred ones count as sent again too: written before the restore, they
        // may depend on entities the restored server lacks for a while.
        let ids = try String.fetchAll(db, sql: "SELECT op_id FROM oplog WHERE origin_local = 1 AND sync_state IN (0, 1, 3) ORDER BY seq")
        try db.execute(sql: "UPDATE oplog SET sync_state = 0, reject_reason = NULL WHERE origin_local = 1 AND sync_state IN (1, 3)")
        return ids.compactMap(OperationID.init)
    }

    /// Gives new ids and timestamps to local operations not yet stored by any server whose ids
    /// or timestamps the server already holds for other operations (a file restored from an old
    /// copy of itself wrote them before it learnt its highest counter and latest timestamp).
    /// They take the next counters and fresh timestamps after everything this replica has seen,
    /// in the order they were written; the contexts of this replica's operations that named them
    /// follow (nobody else can have seen them); the state is rebuilt. Returns the old and new ids.
    @discardableResult
    ///
    /// `keeping`: unsent operations a server stored before (sent again after a restore); they are
    /// not dated again, nor their contexts rewritten, unless they clash themselves.
    public func renumberLocalOperations(_ ids: [OperationID], keeping: Set<OperationID> = [], _ db: Database) throws -> [(old: OperationID, new: OperationID)] {
        guard !ids.isEmpty else { return [] }
        var counter = try loadCounter(db)
        var clock = try loadClock(db)
        if let latest = try String.fetchOne(db, sql: "SELECT max(hlc) FROM oplog").flatMap(HLCTimestamp.init) { clock.observe(latest) }
        var renamed: [OperationID: OperationID] = [:]
        var pairs: [(old: OperationID, new: OperationID)] = []
        let wanted = Set(ids.map(\.description))
        let rows = try Row.fetchAll(db, sql: "SELECT seq, op_id FROM oplog WHERE origin_local = 1 AND sync_state != 1 ORDER BY seq")
        let rename = try db.cachedStatement(sql: "UPDATE oplog SET op_id = ?, hlc = ?, sync_state = 0, reject_reason = NULL WHERE seq = ?")
        let redate = try db.cachedStatement(sql: "UPDATE oplog SET hlc = ? WHERE seq = ?")
        // From the first clashing operation on, every unsent one is dated again in the order it
        // was written, so a renumbered edit never lands after a later one of the same field.
        var started = false
        for row in rows {
            let text: String = row[1]
            let clashes = wanted.contains(text)
            started = started || clashes
            guard started else { continue }
            guard clashes, let old = OperationID(text) else {
                if let id = OperationID(text), keeping.contains(id) { continue }
                try redate.execute(arguments: [try clock.now().description, row[0] as Int64])
                continue
            }
            counter += 1
            let new = OperationID(replica: replicaID, counter: counter)
            try rename.execute(arguments: [new.description, try clock.now().description, row[0] as Int64])
            renamed[old] = new
            pairs.append((old, new))
        }
        guard !pairs.isEmpty else { return [] }
        try saveCounter(counter, db)
        try saveClock(clock, db)
        // Contexts are sorted sets of ids: rewrite the unsent ones that name a renamed operation
        // (one the server stored already keeps what it says there, so both sides agree).
        let local = try Row.fetchAll(db, sql: "SELECT * FROM oplog WHERE origin_local = 1 AND sync_state != 1")
        let setContext = try db.cachedStatement(sql: "UPDATE oplog SET context = ? WHERE seq = ?")
        for row in local {
            let logged = try Self.loggedOperation(row)
            guard logged.operation.context.contains(where: { renamed[$0] != nil }),
                  !keeping.contains(logged.operation.id) || renamed.values.contains(logged.operation.id) else { continue }
            let context = Array(Set(logged.operation.context.map { renamed[$0] ?? $0 })).sorted()
            let json = JSONValue.array(context.map { .string($0.description) }).canonicalJSON
            try setContext.execute(arguments: [json, row["seq"] as Int64])
        }
        try rebuildState(db)
        return pairs
    }
}
