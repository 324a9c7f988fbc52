import GRDB

/// Local writes and remote batches: each call is one transaction, all or nothing.
extension ReplicaStore {
    /// Records local changes by `author`, returning the operations made. Each register write
    /// carries, as its context, every value the replica currently shows for that field, so a
    /// local write resolves any visible conflict on it.
    @discardableResult
    public func record(_ writes: [FieldWrite], author: String) throws -> [SyncOperation] {
        try wrap {
            try writer.write { db in try record(writes, author: author, db) }
        }
    }

    /// The same as `record(_:author:)`, inside a transaction the caller already holds.
    public func record(_ writes: [FieldWrite], author: String, _ db: Database) throws -> [SyncOperation] {
        var clock = try loadClock(db)
        var counter = try loadCounter(db)
        var touched = Touched()
        var batch = try BatchState(db)
        var made: [SyncOperation] = []
        made.reserveCapacity(writes.count)
        for write in writes {
            let context: [OperationID]
            switch write.kind {
            case .set:
                context = try heads(write.entity, write.entityID, write.field, write.key, db)
            case .remove:
                context = try heads(write.entity, write.entityID, write.field, write.key, db)
                if context.isEmpty {
                    throw SyncError(.notFound, "'\(write.key)' is not in \(write.entity.rawValue) \(write.entityID)'s \(write.field)")
                }
            case .add, .max, .reach, .append:
                context = []
            }
            counter += 1
            let op = SyncOperation(id: OperationID(replica: replicaID, counter: counter), hlc: clock.now(), author: author,
                               entity: write.entity, entityID: write.entityID, field: write.field, key: write.key,
                               kind: write.kind, value: write.value, context: context)
            try op.validate(against: catalog)
            let idText = op.id.description, hlcText = op.hlc.description, valueJSON = op.value.canonicalJSON
            _ = try insertIntoLog(op, idText: idText, hlcText: hlcText, valueJSON: valueJSON, local: true, db)
            try merge(op, idText: idText, hlcText: hlcText, valueJSON: valueJSON, local: true, &batch, db)
            touched.mark(op, valueJSON: valueJSON, knownSoleHead: true, headsBefore: context.count)
            made.append(op)
        }
        try materialize(touched, &batch, db)
        try saveClock(clock, db)
        try saveCounter(counter, db)
        return made
    }

    /// Applies operations received from elsewhere. Re-delivered operations change nothing.
    /// Every operation is validated first; one invalid operation rejects the whole batch.
    @discardableResult
    public func apply(_ operations: [SyncOperation]) throws -> ApplyResult {
        try wrap {
            try writer.write { db in try apply(operations, db) }
        }
    }

    /// The same as `apply(_:)`, inside a transaction the caller already holds (so a sync
    /// client can save its cursor in the same transaction as the batch).
    public func apply(_ operations: [SyncOperation], _ db: Database) throws -> ApplyResult {
        for op in operations { try op.validate(against: catalog) }
        var clock = try loadClock(db)
        var counter = try loadCounter(db)
        var touched = Touched()
        var batch = try BatchState(db)
        var result = ApplyResult()
        for op in operations {
            let idText = op.id.description, hlcText = op.hlc.description, valueJSON = op.value.canonicalJSON
            guard try insertIntoLog(op, idText: idText, hlcText: hlcText, valueJSON: valueJSON, local: false, db) else {
                result.duplicates.append(op.id)
                continue
            }
            try merge(op, idText: idText, hlcText: hlcText, valueJSON: valueJSON, local: false, &batch, db)
            clock.observe(op.hlc)
            if op.id.replica == replicaID { counter = max(counter, op.id.counter) }
            touched.mark(op, valueJSON: valueJSON, knownSoleHead: false, headsBefore: 0)
            result.applied.append(op.id)
        }
        if !result.applied.isEmpty {
            try materialize(touched, &batch, db)
            try saveClock(clock, db)
            try saveCounter(counter, db)
        }
        return result
    }

    // MARK: - Clock and counter, kept in the database so they survive restarts

    func loadClock(_ db: Database) throws -> HybridLogicalClock {
        let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'hlc'")) ?? ""
        return HybridLogicalClock(replica: replicaID, wallClock: wallClock, last: HLCTimestamp(text))
    }

    func saveClock(_ clock: HybridLogicalClock, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE replica_meta SET value = ? WHERE key = 'hlc'").execute(arguments: [clock.last.description])
    }

    func loadCounter(_ db: Database) throws -> Int64 {
        Int64(try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'counter'")) ?? "0") ?? 0
    }

    func saveCounter(_ counter: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE replica_meta SET value = ? WHERE key = 'counter'").execute(arguments: [String(counter)])
    }

    /// Turns storage errors into `SyncError`s, leaving domain errors as they are.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.storage, "the replica database failed; nothing was changed", cause: error)
        }
    }
}
