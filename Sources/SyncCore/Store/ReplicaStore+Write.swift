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
        var merge = try BatchMerge(store: self, logMerged: true, db)
        var made: [SyncOperation] = []
        made.reserveCapacity(writes.count)
        for write in writes {
            let scope = Scope(entity: write.entity, entityID: write.entityID, field: write.field, key: write.key)
            let context: [OperationID]
            switch write.kind {
            case .set, .add:
                // A write overwrites every value the replica shows for the field (an addition
                // replaces the tags it has seen: the element stays present, under one tag).
                context = try merge.heads(scope, db)
            case .remove:
                context = try merge.heads(scope, db)
                if context.isEmpty {
                    throw SyncError(.notFound, "'\(write.key)' is not in \(write.entity.rawValue) \(write.entityID)'s \(write.field)")
                }
            case .reach:
                if sealedField(of: write) != nil {
                    // The sealed field's heads are read from the table: write this batch's first.
                    try merge.flush(db)
                    context = try sealedHeads(write, db)
                } else {
                    context = []
                }
            case .max, .append:
                context = []
            }
            counter += 1
            let value = sealedField(of: write) != nil ? SyncOperation.sealedMarker : write.value
            let op = SyncOperation(id: OperationID(replica: replicaID, counter: counter), hlc: try clock.now(), author: author,
                                   entity: write.entity, entityID: write.entityID, field: write.field, key: write.key,
                                   kind: write.kind, value: value, context: context)
            try op.validate(against: catalog)
            let prepared = PreparedOperation(op)
            _ = try insertIntoLog(prepared, local: true, held: false, db)
            try merge.merge(prepared, local: true, db)
            made.append(op)
        }
        _ = try merge.finish(db)
        try saveClock(clock, db)
        try saveCounter(counter, db)
        return made
    }

    /// Applies operations received from elsewhere. Re-delivered operations change nothing.
    /// Every operation is validated first; one invalid operation rejects the whole batch.
    ///
    /// With `holdingNewer`, an operation this replica's schema does not know (a field or kind,
    /// or a value, that a newer schema added) is not a reason to refuse the batch: it is kept in
    /// the log, *held* (not merged, passed on in exports), and merged when an upgraded program
    /// opens the replica. A sync pulls this way from the server, which has checked every
    /// operation against its own, newer, schema.
    @discardableResult
    public func apply(_ operations: [SyncOperation], holdingNewer: Bool = false) throws -> ApplyResult {
        try wrap {
            try writer.write { db in try apply(operations, holdingNewer: holdingNewer, db) }
        }
    }

    /// The same as `apply(_:holdingNewer:)`, inside a transaction the caller already holds (so
    /// a sync client can save its cursor in the same transaction as the batch).
    public func apply(_ operations: [SyncOperation], holdingNewer: Bool = false, _ db: Database) throws -> ApplyResult {
        try apply(prepare(operations, holdingNewer: holdingNewer), db)
    }

    /// Checks a remote batch and puts it in merge order, without the database: see
    /// `PreparedBatch`. Throws what `apply` would for an invalid operation.
    public func prepare(_ operations: [SyncOperation], holdingNewer: Bool = false) throws -> PreparedBatch {
        var held = Set<OperationID>()
        for op in operations {
            do {
                try op.validate(against: catalog)
            } catch let error as SyncError where holdingNewer && Self.isNewerSchema(error) {
                held.insert(op.id)
            }
        }
        let prepared = operations.map(PreparedOperation.init)
        // Sorted by index: an operation with its texts is too large to move around cheaply.
        let order = prepared.indices.sorted { PreparedOperation.mergeOrder(prepared[$0], prepared[$1]) }
        let newest = BatchMerge.newestOwnWrites(prepared, including: prepared.map { !held.contains($0.op.id) })
        return PreparedBatch(source: operations, operations: prepared, held: held, mergeOrder: order, newestOwnWrites: newest)
    }

    /// Applies a prepared batch in a transaction of its own (see `apply(_:holdingNewer:)`).
    @discardableResult
    public func apply(_ batch: PreparedBatch) throws -> ApplyResult {
        try wrap {
            try writer.write { db in try apply(batch, db) }
        }
    }

    /// Applies a prepared batch inside the caller's transaction: logged first, then folded in
    /// timestamp order (`BatchMerge`).
    public func apply(_ batch: PreparedBatch, _ db: Database) throws -> ApplyResult {
        var clock = try loadClock(db)
        var counter = try loadCounter(db)
        var result = ApplyResult()
        var fresh = [Bool](repeating: false, count: batch.operations.count)
        let compacted = try hasCompacted(db)
        for (index, prepared) in batch.operations.enumerated() {
            let op = prepared.op
            let isHeld = !batch.held.isEmpty && batch.held.contains(op.id)
            // An operation compacted here is merged already, though no longer in the log.
            if compacted, try isCompacted(op.id, db) {
                result.duplicates.append(op.id)
                continue
            }
            guard try insertIntoLog(prepared, local: false, held: isHeld, db) else {
                result.duplicates.append(op.id)
                continue
            }
            clock.observe(op.hlc)
            result.applied.append(op.id)
            if isHeld {
                // Kept, ordered and passed on, but not merged until the schema knows it.
                result.held.append(op.id)
                continue
            }
            if op.id.replica == replicaID { counter = max(counter, op.id.counter) }
            fresh[index] = true
        }
        guard !result.applied.isEmpty else { return result }
        if result.applied.count > result.held.count {
            var merge = try BatchMerge(store: self, logMerged: true, db)
            if result.duplicates.isEmpty {
                merge.batchNewest = batch.newestOwnWrites
            } else {
                merge.batchNewest = BatchMerge.newestOwnWrites(batch.operations, including: fresh)
            }
            for index in batch.mergeOrder where fresh[index] { try merge.merge(batch.operations[index], local: false, db) }
            result.changes = try merge.finish(db)
        }
        try saveClock(clock, db)
        try saveCounter(counter, db)
        return result
    }

    /// Whether a validation error is what an operation of a newer schema meets here: an unknown
    /// kind or field, or a value a newer schema allows (a new choice).
    static func isNewerSchema(_ error: SyncError) -> Bool {
        error.code == .unknownField || error.code == .invalidValue
    }

    /// The context of a milestone that seals a keyed register (closing a motion seals its
    /// votes): every head of that field the replica holds, so the votes that count are exactly
    /// the ones the closer saw.
    ///
    /// One head per key, the winning one: a voter's older or concurrent votes count as seen
    /// through it (see `refreshVotes`), so however many heads one voter piles up, the closing
    /// names one operation per voter.
    private func sealedHeads(_ write: FieldWrite, _ db: Database) throws -> [OperationID] {
        guard sealedField(of: write) != nil, case .milestones(_, let seals)? = catalog.fields[write.entity]?[write.field],
              let sealed = seals[write.key] else { return [] }
        var winners: [String: OperationID] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT key, op_id FROM field_state WHERE entity = ? AND entity_id = ? AND field = ?
            ORDER BY key, \(MergeOrder.sqlWinnerFirst)
            """), arguments: [write.entity.rawValue, write.entityID, sealed]) {
            let key: String = row[0]
            if winners[key] == nil, let id = OperationID(row[1] as String) { winners[key] = id }
        }
        let heads = Array(winners.values)
        guard heads.count <= SyncOperation.maxContextEntries else {
            throw SyncError(.conflict, "\(write.entity.rawValue) \(write.entityID) has \(heads.count) \(sealed); one operation can seal at most \(SyncOperation.maxContextEntries)")
        }
        return heads
    }

    /// The field a milestone write seals, if it seals one.
    func sealedField(of write: FieldWrite) -> String? {
        guard write.kind == .reach, case .milestones(_, let seals)? = catalog.fields[write.entity]?[write.field] else { return nil }
        return seals[write.key]
    }

    // MARK: - Clock and counter, kept in the database so they survive restarts

    /// The replica's clock: the last timestamp it issued or saw, over the wall clock corrected
    /// by the offset learnt from the server (`clockOffset`). A clock that cannot be read is an
    /// error, never a reset: a reset would date the next write before what the replica has seen.
    func loadClock(_ db: Database) throws -> HybridLogicalClock {
        let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'hlc'")) ?? ""
        let last: HLCTimestamp?
        if text.isEmpty {
            last = nil
        } else if let parsed = HLCTimestamp(text) {
            last = parsed
        } else {
            throw SyncError(.storage, "the replica's clock ('\(text.prefix(60))') cannot be read; the file is damaged (restore it from a copy)")
        }
        return HybridLogicalClock(replica: replicaID, wallClock: try correctedWallClock(db), last: last)
    }

    /// The wall clock corrected by the stored offset (and by how far the device's clock was set
    /// since the offset was measured, when the device can tell).
    func correctedWallClock(_ db: Database) throws -> any WallClock {
        let offset = try clockOffset(db)
        guard offset != 0 else { return wallClock }
        var anchor: (device: Int64, reading: MonotonicReading)?
        if let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'clock_anchor'")) {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false)
            if parts.count == 3, let device = Int64(parts[0]), let milliseconds = Int64(parts[2]) {
                anchor = (device, MonotonicReading(boot: String(parts[1]), milliseconds: milliseconds))
            }
        }
        return OffsetWallClock(base: wallClock, offset: offset, anchor: anchor)
    }

    /// Milliseconds to add to this device's clock to read the server's time, as last measured
    /// by a sync (0 until then).
    public func clockOffset(_ db: Database) throws -> Int64 {
        Int64(try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'clock_offset_ms'")) ?? "0") ?? 0
    }

    /// Stores the offset measured against the server; later operations are dated with it. The
    /// device's time and monotonic reading are kept with it, so that setting the device's clock
    /// afterwards is noticed rather than corrected twice.
    public func setClockOffset(_ milliseconds: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO replica_meta(key, value) VALUES ('clock_offset_ms', ?)")
            .execute(arguments: [String(milliseconds)])
        if let reading = wallClock.monotonicReading() {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO replica_meta(key, value) VALUES ('clock_anchor', ?)")
                .execute(arguments: ["\(wallClock.nowMilliseconds())|\(reading.boot)|\(reading.milliseconds)"])
        } else {
            try db.cachedStatement(sql: "DELETE FROM replica_meta WHERE key = 'clock_anchor'").execute()
        }
    }

    /// The offset in effect now (the stored one, less any setting of the device's clock since).
    public func effectiveClockOffset(_ db: Database) throws -> Int64 {
        let clock = try correctedWallClock(db)
        return clock.nowMilliseconds() - wallClock.nowMilliseconds()
    }

    /// The corrected time now (device clock plus the stored offset).
    public func correctedNow(_ db: Database) throws -> Int64 {
        try correctedWallClock(db).nowMilliseconds()
    }

    func saveClock(_ clock: HybridLogicalClock, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE replica_meta SET value = ? WHERE key = 'hlc'").execute(arguments: [clock.last.description])
    }

    func loadCounter(_ db: Database) throws -> Int64 {
        let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'counter'")) ?? "0"
        guard let counter = Int64(text), counter >= 0 else {
            throw SyncError(.storage, "the replica's operation counter ('\(text.prefix(40))') cannot be read; the file is damaged (restore it from a copy)")
        }
        return counter
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
