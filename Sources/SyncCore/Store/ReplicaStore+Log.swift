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

    public enum SyncState: Int, Sendable, Codable {
        case waiting = 0, acknowledged = 1, rejected = 2
    }

    static func loggedOperation(_ row: Row) throws -> LoggedOperation {
        func id(_ text: String) throws -> OperationID {
            guard let id = OperationID(text) else { throw SyncError(.storage, "damaged operation id '\(text)' in the log") }
            return id
        }
        let contextText: String = row["context"]
        let valueText: String = row["value"]
        let context = try JSONDecoder().decode([String].self, from: Data(contextText.utf8)).map(id)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(valueText.utf8))
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

    /// The next push batch: about `limit` waiting operations, never splitting one entity's
    /// waiting operations across batches (a new case must reach the server with its submitter
    /// and branch, which the server needs to authorise the rest), oldest first.
    public func waitingBatch(limit: Int, _ db: Database) throws -> [LoggedOperation] {
        // The oldest `limit` waiting operations name the entities; take every waiting operation
        // of those entities, in one query.
        try Row.fetchAll(db.cachedStatement(sql: """
            WITH head AS (
                SELECT entity, entity_id FROM oplog WHERE origin_local = 1 AND sync_state = 0 ORDER BY seq LIMIT ?
            )
            SELECT * FROM oplog
            WHERE origin_local = 1 AND sync_state = 0 AND (entity, entity_id) IN (SELECT entity, entity_id FROM head)
            ORDER BY seq
            """), arguments: [limit]).map { try Self.loggedOperation($0) }
    }

    /// Local operations the server refused, with its reasons.
    public func rejectedOperations(_ db: Database) throws -> [LoggedOperation] {
        try Row.fetchAll(db, sql: "SELECT * FROM oplog WHERE origin_local = 1 AND sync_state = 2 ORDER BY seq").map { try Self.loggedOperation($0) }
    }

    public func countWaiting(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog WHERE origin_local = 1 AND sync_state = 0") ?? 0
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
        try Row.fetchAll(db, sql: "SELECT * FROM oplog WHERE entity = ? AND entity_id = ? ORDER BY hlc",
                         arguments: [entity.rawValue, id]).map { try Self.loggedOperation($0) }
    }

    public func operationCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0
    }

    /// Every operation id in the log (for tests and audits: "nothing lost").
    public func allOperationIDs() throws -> Set<String> {
        try wrap { try writer.read { db in Set(try String.fetchAll(db, sql: "SELECT op_id FROM oplog")) } }
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
        try Row.fetchAll(db, sql: "SELECT * FROM conflicts ORDER BY entity, entity_id, field, key").map { row in
            let decoder = JSONDecoder()
            return Conflict(entity: EntityKind(rawValue: row["entity"]) ?? .case, entityID: row["entity_id"],
                            field: row["field"], key: row["key"],
                            winner: try decoder.decode(JSONValue.self, from: Data((row["winner"] as String).utf8)),
                            competing: try decoder.decode([Conflict.Candidate].self, from: Data((row["competing"] as String).utf8)))
        }
    }

    public func conflicts() throws -> [Conflict] {
        try wrap { try writer.read { db in try conflicts(db) } }
    }
}
