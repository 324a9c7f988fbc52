import GRDB

/// Log compaction: dropping operations whose effect the state already holds, without changing
/// the state or what any later merge does.
///
/// The state (`field_state`) already holds the effect of every operation; the log is what the
/// merge consults besides it: whether an operation was already merged (a re-delivery, or one a
/// context names), whether its replica wrote the same scope later, and, for a few fields, the
/// operations themselves (a keyed field's values and the milestone that seals it; fields
/// declared `keepsHistory`). A compaction therefore keeps:
/// - which operations it dropped, as counter ranges per replica (`compacted_ranges`), so one
///   arriving again is a re-delivery;
/// - per scope and replica, the newest write it dropped (`compacted_writes`);
/// - what a dropped operation overwrote among the operations that stay (`superseded`);
/// - which entities lost operations (`compacted_entities`): those cannot be replayed;
/// - on a server, the start of each dropped operation's fingerprint (`compacted_fingerprints`);
/// - the operations the materialiser reads, every operation written here (a replica sends all
///   of its own again to a server restored from an older backup), those held for a newer
///   schema, and the last one (positions are never handed out twice).
///
/// A rebuild then starts from the merge rows of compacted operations and merges the log's other
/// operations on top. A compaction takes the longest prefix of the
/// log (by arrival, `seq`) dated before the cutoff, and only commits when that rebuild gives the
/// state it started from, row for row (the digest of the merge rows and of the materialised
/// tables).
extension ReplicaStore {
    /// What one compaction did.
    public struct CompactionReport: Sendable, Codable, Equatable {
        /// The log position through which operations were compacted (0: nothing was).
        public var horizon: Int64
        /// Operations dated before this (milliseconds since 1970) were candidates.
        public var cutoffMilliseconds: Int64
        /// Operations dropped from the log.
        public var dropped: Int
        /// Operations of the compacted prefix kept in the log (read as operations, not yet
        /// acknowledged, held for a newer schema, or the last position).
        public var kept: Int
        public var operationsBefore: Int
        public var operationsAfter: Int
    }

    /// Where compaction stands in a store.
    public struct CompactionStatus: Sendable, Codable, Equatable {
        /// Log positions up to this one may have been compacted (0: never).
        public var horizon: Int64
        public var cutoffMilliseconds: Int64?
        /// Operations dropped by every compaction so far.
        public var compactedOperations: Int64
        public var lastCompactedMilliseconds: Int64?
    }

    /// Whether a compaction (here, or in a snapshot this store took in) left its marks.
    public func hasCompacted(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM compacted_ranges)")) ?? false
    }

    /// Whether the operation's effect is in the base (it was compacted here or at the source of
    /// a snapshot): it must never be merged again.
    public func isCompacted(_ id: OperationID, _ db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            SELECT 1 FROM (SELECT high FROM compacted_ranges WHERE replica = ? AND low <= ? ORDER BY low DESC LIMIT 1) WHERE high >= ?
            """).existsDirect { bind in bind.text(id.replica.rawValue); bind.int(id.counter); bind.int(id.counter) }
    }

    /// Log positions up to this one may have been compacted (0: never).
    public func compactionHorizon(_ db: Database) throws -> Int64 {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = 'compaction_horizon'"))
            .flatMap { Int64($0) } ?? 0
    }

    public func compactionStatus(_ db: Database) throws -> CompactionStatus {
        func meta(_ key: String) throws -> Int64? {
            try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM replica_meta WHERE key = ?"), arguments: [key]).flatMap { Int64($0) }
        }
        return CompactionStatus(horizon: try meta("compaction_horizon") ?? 0, cutoffMilliseconds: try meta("compaction_cutoff_ms"),
                                compactedOperations: try meta("compacted_operations") ?? 0,
                                lastCompactedMilliseconds: try meta("compacted_at_ms"))
    }

    /// Compacts, in its own transaction (see `compact(olderThan:_:)`).
    @discardableResult
    public func compact(olderThan cutoffMilliseconds: Int64, keepingFingerprints: Bool = false) throws -> CompactionReport {
        try wrap { try writer.write { db in try compact(olderThan: cutoffMilliseconds, keepingFingerprints: keepingFingerprints, db) } }
    }

    /// Compacts the longest prefix of the log dated before `cutoffMilliseconds`, in the
    /// caller's transaction. Throws, changing nothing once the caller rolls back, if the state
    /// rebuilt from what is kept differs from the state before.
    ///
    /// `keepingFingerprints` (a server): the first 64 bits of each dropped operation's content
    /// hash are kept, so that a replica that never got the acknowledgement of one, or reuses its
    /// id after its file was restored from an old copy, can still be told which it is.
    @discardableResult
    public func compact(olderThan cutoffMilliseconds: Int64, keepingFingerprints: Bool = false, _ db: Database) throws -> CompactionReport {
        let cutoffText = String(HLCTimestamp(wallMilliseconds: min(max(0, cutoffMilliseconds), HLCTimestamp.maxWallMilliseconds),
                                             logical: 0, replica: replicaID).description.prefix(15))
        let before = try operationCount(db)
        var report = CompactionReport(horizon: 0, cutoffMilliseconds: cutoffMilliseconds, dropped: 0, kept: 0,
                                      operationsBefore: before, operationsAfter: before)
        guard let lastSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM oplog") else { return report }
        // This replica's own operations never leave the log, so they do not end the prefix
        // (a server's log holds none).
        let firstLate = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM oplog WHERE substr(hlc, 1, 15) >= ? AND origin_local = 0",
                                           arguments: [cutoffText])
        let horizon = (firstLate ?? lastSeq + 1) - 1
        guard horizon > 0 else { return report }
        // The operations compacted: merged, and written elsewhere. A replica keeps every
        // operation of its own: one not yet stored may still be re-dated or renumbered, and
        // after a server is restored from an older backup it sends all of them again.
        let compacted = "seq <= \(horizon) AND held = 0 AND origin_local = 0"
        // Of those, the ones that leave the log: not read as operations, not the last position.
        var retained = "0"
        for (kind, fields) in schema.retainedFields.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let names = fields.sorted().map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
            retained += " OR (entity = '\(kind.rawValue.replacingOccurrences(of: "'", with: "''"))' AND field IN (\(names)))"
        }
        let dropped = "\(compacted) AND NOT (\(retained)) AND seq != \(lastSeq)"
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM oplog WHERE \(dropped))") == true else { return report }

        let digestBefore = try stateDigest(db).root
        let tablesBefore = try materializedDigest(db)
        try stageDropped(where: dropped, db)
        var ids: [OperationID] = []
        try db.cachedStatement(sql: "SELECT op_id FROM temp.compaction_dropped").queryDirect({ _ in }, row: { row in
            if let id = OperationID(row.text(0)) { ids.append(id) }
        })
        try addCompactedRanges(ids, db)
        if keepingFingerprints { try keepFingerprints(db) }
        try db.execute(sql: """
            -- Each replica's newest dropped write per scope, unless it is still shown (a row):
            -- the merge sees it there, and remembers it here once it is overwritten.
            INSERT INTO compacted_writes(entity, entity_id, field, key, kind, replica, hlc)
            SELECT entity, entity_id, field, key, kind, replica, hlc FROM (
                SELECT entity, entity_id, field, key, kind, substr(op_id, 1, instr(op_id, ':') - 1) AS replica, max(hlc) AS hlc, op_id
                FROM temp.compaction_dropped WHERE kind IN ('set', 'add')
                GROUP BY 1, 2, 3, 4, 5, 6) newest
            WHERE NOT EXISTS (SELECT 1 FROM field_state f WHERE f.entity = newest.entity AND f.entity_id = newest.entity_id
                              AND f.field = newest.field AND f.key = newest.key AND f.op_id = newest.op_id)
            ON CONFLICT(entity, entity_id, field, key, kind, replica) DO UPDATE SET hlc = max(hlc, excluded.hlc);
            INSERT OR IGNORE INTO compacted_entities(entity, entity_id) SELECT DISTINCT entity, entity_id FROM temp.compaction_dropped;
            """)
        try supersedeKeptByDropped(db)
        try db.execute(sql: "DELETE FROM oplog WHERE op_id IN (SELECT op_id FROM temp.compaction_dropped)")
        report.dropped = db.changesCount
        report.kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog WHERE \(compacted)") ?? 0
        try db.execute(sql: "DROP TABLE temp.compaction_dropped")

        // The state rebuilt from what is kept must be the state we started from.
        try rebuildState(db)
        let digestAfter = try stateDigest(db).root
        let tablesAfter = try materializedDigest(db)
        guard digestAfter == digestBefore, tablesAfter == tablesBefore else {
            throw SyncError(.storage, "compaction stopped: the state rebuilt from what it would keep differs from the state (digest \(digestBefore.prefix(12)) became \(digestAfter.prefix(12))); nothing was changed")
        }
        let status = try compactionStatus(db)
        try db.execute(sql: """
            INSERT OR REPLACE INTO replica_meta(key, value) VALUES ('compaction_horizon', ?), ('compaction_cutoff_ms', ?),
                ('compacted_operations', ?), ('compacted_at_ms', ?)
            """, arguments: [String(max(status.horizon, horizon)), String(cutoffMilliseconds),
                             String(status.compactedOperations + Int64(report.dropped)), String(wallClock.nowMilliseconds())])
        report.horizon = horizon
        report.operationsAfter = try operationCount(db)
        return report
    }

    /// Whether some of the entity's operations were dropped by a compaction (here, or where a
    /// snapshot of it came from).
    public func hasCompactedHistory(_ key: EntityKey, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM compacted_entities WHERE entity = ? AND entity_id = ?)"),
                          arguments: [key.entity.rawValue, key.id]) ?? false
    }

    /// Copies the logged operations matching `condition` (SQL over `oplog`) into
    /// `temp.compaction_dropped`: the operations about to leave the log.
    func stageDropped(where condition: String, arguments: StatementArguments = [], _ db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS temp.compaction_dropped")
        try db.execute(sql: """
            CREATE TEMP TABLE compaction_dropped AS
            SELECT op_id, entity, entity_id, field, key, kind, hlc, context FROM oplog WHERE \(condition)
            """, arguments: arguments)
        try db.execute(sql: "CREATE UNIQUE INDEX temp.compaction_dropped_id ON compaction_dropped(op_id)")
    }

    /// What the operations in `temp.compaction_dropped` overwrote among the operations that
    /// stay in the log (held, a replica's own, read as operations) stays overwritten when those
    /// are merged again: each is recorded as named before it arrived (`superseded`).
    func supersedeKeptByDropped(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO superseded(op_id, entity, entity_id, field, key, by_hlc)
            SELECT c.value, d.entity, d.entity_id, d.field, d.key, max(d.hlc)
            FROM temp.compaction_dropped d, json_each(d.context) c
            WHERE EXISTS (SELECT 1 FROM oplog o WHERE o.op_id = c.value AND o.entity = d.entity AND o.entity_id = d.entity_id
                          AND o.field = d.field AND o.key = d.key AND o.hlc < d.hlc)
              AND c.value NOT IN (SELECT op_id FROM temp.compaction_dropped)
            GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT(op_id, entity, entity_id, field, key) DO UPDATE SET by_hlc = max(by_hlc, excluded.by_hlc)
            """)
    }

    /// The kept fingerprint of a compacted operation (its first 16 hex digits), if kept.
    public func compactedFingerprint(_ id: OperationID, _ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM compacted_fingerprints WHERE replica = ? AND counter = ?"),
                            arguments: [id.replica.rawValue, id.counter])
    }

    /// Keeps the fingerprints of the operations about to be dropped (`temp.compaction_dropped`).
    private func keepFingerprints(_ db: Database) throws {
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO compacted_fingerprints(replica, counter, fingerprint) VALUES (?, ?, ?)")
        // A cursor: a million dropped operations are never all in memory at once.
        let rows = try Row.fetchCursor(db, sql: "SELECT o.* FROM oplog o JOIN temp.compaction_dropped d ON d.op_id = o.op_id")
        while let row = try rows.next() {
            let op = try Self.loggedOperation(row).operation
            try insert.execute(arguments: [op.id.replica.rawValue, op.id.counter, String(op.fingerprint.prefix(Self.compactedFingerprintLength))])
        }
    }

    /// How much of an operation's fingerprint a compaction keeps.
    public static let compactedFingerprintLength = 16

    /// Adds operation ids to the compacted ranges, merging adjacent and overlapping ranges.
    func addCompactedRanges(_ ids: [OperationID], _ db: Database) throws {
        try adoptCompactedRanges(ids.map { CompactedRange(replica: $0.replica.rawValue, low: $0.counter, high: $0.counter) }, db)
    }

    /// Adds ranges (this store's or a snapshot source's) to the compacted ranges, merging
    /// adjacent and overlapping ones; with `replacing`, they replace this store's.
    public func adoptCompactedRanges(_ ranges: [CompactedRange], replacing: Bool = false, _ db: Database) throws {
        if replacing { try db.execute(sql: "DELETE FROM compacted_ranges") }
        guard !ranges.isEmpty else { return }
        var byReplica: [String: [(Int64, Int64)]] = [:]
        for range in ranges where range.low <= range.high { byReplica[range.replica, default: []].append((range.low, range.high)) }
        let existing = try db.cachedStatement(sql: "SELECT low, high FROM compacted_ranges WHERE replica = ?")
        let delete = try db.cachedStatement(sql: "DELETE FROM compacted_ranges WHERE replica = ?")
        let insert = try db.cachedStatement(sql: "INSERT INTO compacted_ranges(replica, low, high) VALUES (?, ?, ?)")
        for (replica, added) in byReplica {
            var ranges = added
            for row in try Row.fetchAll(existing, arguments: [replica]) { ranges.append((row[0], row[1])) }
            ranges.sort { $0.0 < $1.0 }
            var merged: [(Int64, Int64)] = []
            for range in ranges {
                if let last = merged.last, range.0 <= last.1 + 1 {
                    merged[merged.count - 1].1 = max(last.1, range.1)
                } else {
                    merged.append(range)
                }
            }
            try delete.execute(arguments: [replica])
            for (low, high) in merged { try insert.execute(arguments: [replica, low, high]) }
        }
    }

    /// Every compacted range, for a snapshot.
    public func compactedRanges(_ db: Database) throws -> [CompactedRange] {
        try Row.fetchAll(db, sql: "SELECT replica, low, high FROM compacted_ranges ORDER BY replica, low")
            .map { CompactedRange(replica: $0[0], low: $0[1], high: $0[2]) }
    }
}

/// Counters `low...high` of one replica's operations, all of whose effects a compaction put in
/// the base (`compacted_ranges`).
public struct CompactedRange: Sendable, Equatable, Codable {
    public var replica: String
    public var low: Int64
    public var high: Int64

    public init(replica: String, low: Int64, high: Int64) {
        self.replica = replica
        self.low = low
        self.high = high
    }

    /// `[replica, low, high]`.
    public var wireValue: JSONValue { .array([.string(replica), .int(low), .int(high)]) }

    public init(wire: JSONValue) throws {
        guard let parts = wire.arrayValue, parts.count == 3, let replica = parts[0].stringValue, ReplicaID(replica) != nil,
              let low = parts[1].intValue, let high = parts[2].intValue, low >= 1, low <= high else {
            throw SyncError(.malformed, "a compacted range is not [replica, low, high] with 1 <= low <= high")
        }
        self.init(replica: replica, low: low, high: high)
    }
}
