import Foundation
import GRDB

/// Reading the operation log: what waits to be pushed, what was rejected, what happened to an entity.
extension ReplicaStore {
    /// A stored operation with its local bookkeeping.
    public struct LoggedOperation: Sendable, Equatable {
        public var seq: Int64
        public var operation: SyncOperation
        public var local: Bool
        public var syncState: SyncState
        public var rejectReason: String?
    }

    /// Where a local operation stands with the server. `deferred`: refused for now because of
    /// time (the clocks disagreed); it goes again at the next sync, re-dated if need be.
    public enum SyncState: Int, Sendable, Codable {
        case waiting = 0, acknowledged = 1, rejected = 2, deferred = 3
    }

    static func loggedOperation(_ row: Row) throws -> LoggedOperation {
        func id(_ text: String) throws -> OperationID {
            guard let id = OperationID(text) else { throw SyncError(.storage, "damaged operation id '\(text)' in the log") }
            return id
        }
        let contextText: String = row["context"]
        let valueText: String = row["value"]
        // Read with the engine's own parser: every pulled, pushed or rebuilt operation passes here.
        guard let contextItems = try JSONParser.parse(Array(contextText.utf8)).arrayValue else {
            throw SyncError(.storage, "damaged context '\(contextText.prefix(60))' in the log")
        }
        let context = try contextItems.map { item in
            guard let text = item.stringValue else { throw SyncError(.storage, "damaged context '\(contextText.prefix(60))' in the log") }
            return try id(text)
        }
        let value = try JSONParser.parse(Array(valueText.utf8))
        guard let hlc = HLCTimestamp(row["hlc"] as String),
              let entity = EntityKind(rawValue: row["entity"] as String),
              let kind = OperationKind(rawValue: row["kind"] as String) else {
            throw SyncError(.storage, "damaged operation in the log")
        }
        let op = SyncOperation(id: try id(row["op_id"]), hlc: hlc, author: row["author"], entity: entity,
                           entityID: row["entity_id"], field: row["field"], key: row["key"], kind: kind,
                           value: value, context: context)
        return LoggedOperation(seq: row["seq"], operation: op, local: (row["origin_local"] as Int64) == 1,
                               syncState: SyncState(rawValue: row["sync_state"]) ?? .waiting, rejectReason: row["reject_reason"])
    }

    /// Operations in arrival order after `seq`, at most `limit`.
    public func operations(afterSeq seq: Int64, limit: Int, _ db: Database) throws -> [LoggedOperation] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE seq > ? ORDER BY seq LIMIT ?"),
                         arguments: [seq, limit]).map { try Self.loggedOperation($0) }
    }

    /// Local operations not yet acknowledged by the server, oldest first.
    public func waitingOperations(limit: Int, _ db: Database) throws -> [LoggedOperation] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE origin_local = 1 AND sync_state = 0 ORDER BY seq LIMIT ?"),
                         arguments: [limit]).map { try Self.loggedOperation($0) }
    }

    /// The next push batch, oldest first. An entity's waiting operations travel together (a
    /// new case must reach the server with its submitter and branch, which the server needs to
    /// authorise the rest): whole entities are added while the batch holds at most `limit`
    /// operations, and an entity with more than `limit` goes alone.
    ///
    /// Only an entity with more waiting operations than the server accepts in one request
    /// (`hardLimit`, learnt from a 413) is split, so the queue always moves however large one
    /// entity's backlog is: its operations on `firstFields` (the fields that decide access)
    /// go first, then its other register writes (what creates it), then the rest, each by age.
    ///
    /// `dependencies` names the entities an operation refers to (a motion's case, an agenda's
    /// case): their waiting operations join the batch, so that a reference never reaches the
    /// server before what it names.
    public func waitingBatch(limit: Int, hardLimit: Int = .max, firstFields: Set<String> = [],
                             dependencies: (SyncOperation) -> [EntityKey] = { _ in [] },
                             _ db: Database) throws -> [LoggedOperation] {
        let limit = max(1, min(limit, hardLimit)), hardLimit = max(1, hardLimit)
        // The oldest `limit` waiting operations name the entities; take every waiting operation
        // of those entities, in one query.
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            WITH head AS (
                SELECT entity, entity_id FROM oplog WHERE origin_local = 1 AND sync_state = 0 ORDER BY seq LIMIT ?
            )
            SELECT * FROM oplog
            WHERE origin_local = 1 AND sync_state = 0 AND (entity, entity_id) IN (SELECT entity, entity_id FROM head)
            ORDER BY seq
            """), arguments: [limit]).map { try Self.loggedOperation($0) }
        var groups: [EntityKey: [LoggedOperation]] = [:]
        var order: [EntityKey] = []
        for logged in rows {
            let key = EntityKey(logged.operation.entity, logged.operation.entityID)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(logged)
        }
        var batch: [LoggedOperation] = []
        var included: Set<EntityKey> = []
        for key in order {
            let group = groups[key]!
            if batch.count + group.count <= limit {
                batch += group
                included.insert(key)
            } else if batch.isEmpty {
                guard group.count > hardLimit else { return group }
                func rank(_ logged: LoggedOperation) -> Int {
                    firstFields.contains(logged.operation.field) ? 0 : logged.operation.kind == .set ? 1 : 2
                }
                let ordered = group.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
                return ordered.prefix(hardLimit).map(\.element)
            } else {
                break
            }
        }
        // What the batch refers to goes with it (and what that refers to, in turn).
        var pending = batch
        while let logged = pending.popLast() {
            for key in dependencies(logged.operation) where included.insert(key).inserted {
                let group = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT * FROM oplog WHERE origin_local = 1 AND sync_state = 0 AND entity = ? AND entity_id = ? ORDER BY seq
                    """), arguments: [key.entity.rawValue, key.id]).map { try Self.loggedOperation($0) }
                guard !group.isEmpty, batch.count + group.count <= hardLimit else { continue }
                batch = group + batch
                pending += group
            }
        }
        return batch
    }

    /// Marks operations deferred by an earlier sync as waiting again, and those an older
    /// client marked rejected for time (`clock_ahead`, which is never final).
    public func resumeDeferred(_ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE oplog SET sync_state = 0
            WHERE origin_local = 1 AND (sync_state = 3 OR (sync_state = 2 AND reject_reason LIKE 'clock_ahead:%'))
            """).execute()
    }

    /// Records that the server refused an operation for now (time); it goes again next sync.
    public func markDeferred(_ id: OperationID, reason: String, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE oplog SET sync_state = 3, reject_reason = ? WHERE op_id = ? AND origin_local = 1")
            .execute(arguments: [reason, id.description])
    }

    /// Local operations waiting for another try because of time, with the server's reason.
    public func deferredOperations(_ db: Database) throws -> [LoggedOperation] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE origin_local = 1 AND sync_state = 3 ORDER BY seq")).map { try Self.loggedOperation($0) }
    }

    /// Local operations the server refused, with its reasons.
    public func rejectedOperations(_ db: Database) throws -> [LoggedOperation] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE origin_local = 1 AND sync_state = 2 ORDER BY seq")).map { try Self.loggedOperation($0) }
    }

    /// Local operations not yet stored by a server: waiting, or deferred for time.
    public func countWaiting(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM oplog WHERE origin_local = 1 AND sync_state IN (0, 3)")) ?? 0
    }

    /// Records the server's answer for local operations.
    public func markAcknowledged(_ ids: [OperationID], _ db: Database) throws {
        let update = try db.cachedStatement(sql: "UPDATE oplog SET sync_state = 1, reject_reason = NULL WHERE op_id = ? AND origin_local = 1")
        for id in ids { try update.execute(arguments: [id.description]) }
    }

    public func markRejected(_ id: OperationID, reason: String, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE oplog SET sync_state = 2, reject_reason = ? WHERE op_id = ? AND origin_local = 1")
            .execute(arguments: [reason, id.description])
    }

    /// Every operation on one entity, by HLC: its history.
    public func history(of entity: EntityKind, _ id: String, _ db: Database) throws -> [LoggedOperation] {
        let logged = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE entity = ? AND entity_id = ? ORDER BY hlc"),
                                      arguments: [entity.rawValue, id]).map { try Self.loggedOperation($0) }
        let compacted = try compactedHistory(of: entity, id, db)
        guard !compacted.isEmpty else { return logged }
        return (logged + compacted).sorted { ($0.operation.hlc, $0.operation.id) < ($1.operation.hlc, $1.operation.id) }
    }

    public func operationCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM oplog")) ?? 0
    }

    /// Every operation id in the log (for tests and audits: "nothing lost").
    public func allOperationIDs() throws -> Set<String> {
        try wrap { try writer.read { db in Set(try String.fetchAll(db.cachedStatement(sql: "SELECT op_id FROM oplog"))) } }
    }
}

/// A field edited concurrently and the competing values.
public struct Conflict: Sendable, Hashable, Codable {
    public struct Candidate: Sendable, Hashable, Codable {
        public var op: String
        public var hlc: String
        public var author: String
        public var value: JSONValue
    }
    public var entity: EntityKind
    public var entityID: String
    public var field: String
    public var key: String
    /// The value shown (the highest HLC), first among `competing`.
    public var winner: JSONValue
    public var competing: [Candidate]
}

extension ReplicaStore {
    public func conflicts(_ db: Database) throws -> [Conflict] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM conflicts ORDER BY entity, entity_id, field, key")).map { row in
            let decoder = JSONDecoder()
            guard let entity = EntityKind(rawValue: row["entity"]) else {
                throw SyncError(.storage, "damaged conflict record (entity '\(row["entity"] as String)')")
            }
            return Conflict(entity: entity, entityID: row["entity_id"],
                            field: row["field"], key: row["key"],
                            winner: try decoder.decode(JSONValue.self, from: Data((row["winner"] as String).utf8)),
                            competing: try decoder.decode([Conflict.Candidate].self, from: Data((row["competing"] as String).utf8)))
        }
    }

    public func conflicts() throws -> [Conflict] {
        try wrap { try writer.read { db in try conflicts(db) } }
    }
}
