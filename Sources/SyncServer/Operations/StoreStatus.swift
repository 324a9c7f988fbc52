import Foundation
import GRDB
import SyncCore

/// What `syncserver status` shows: how big the store is, how long its log, its epoch and the
/// last backup.
public struct StoreStatus: Sendable, Codable, Equatable {
    public var store: String
    public var location: String
    public var epoch: String
    /// Bytes on disk (the database file and its write-ahead log; on PostgreSQL the database).
    public var bytes: Int64
    /// Operations in the log.
    public var operations: Int
    /// Entities in the merged state (nil on PostgreSQL without a working copy).
    public var entities: Int?
    public var tokens: Int
    /// Replicas that have pushed.
    public var replicas: Int?
    public var lastBackup: SQLiteSyncStorage.BackupRecord?
    /// When and from what the store was restored (nil: never).
    public var restored: String?
    /// Where compaction stands (nil on PostgreSQL, which does not compact).
    public var compaction: ReplicaStore.CompactionStatus?
}

extension SQLiteSyncStorage {
    /// The status of the store in `directory`.
    public func status(directory: String) throws -> StoreStatus {
        let bytes = fileBytes()
        let (operations, entities, tokens, replicas, restored, compaction) = try Self.wrap {
            try writer.read { db in
                (try store.operationCount(db), try store.stateDigest(db).entities,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM server_tokens") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM server_replicas") ?? 0,
                 try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'restored'"),
                 try store.compactionStatus(db))
            }
        }
        return StoreStatus(store: storeKind, location: directory, epoch: epoch, bytes: bytes, operations: operations,
                           entities: entities, tokens: tokens, replicas: replicas,
                           lastBackup: try lastBackup(), restored: restored, compaction: compaction)
    }
}

extension PostgresJournal {
    /// The status of the database (its records only: working copies live with the instances).
    public func status() async throws -> StoreStatus {
        try await wrap("read the database's status") {
            let epoch = try await self.epoch(new: SystemIDSource().randomToken(length: 20))
            var bytes: Int64 = 0, operations = 0, tokens = 0
            for try await value in try await self.client.query("SELECT pg_database_size(current_database())", logger: self.logger).decode(Int64.self) {
                bytes = value
            }
            for try await value in try await self.client.query("SELECT coalesce(sum(operation_count), 0)::bigint FROM civicsync_journal", logger: self.logger).decode(Int64.self) {
                operations = Int(value)
            }
            for try await value in try await self.client.query("SELECT count(*)::bigint FROM civicsync_tokens", logger: self.logger).decode(Int64.self) {
                tokens = Int(value)
            }
            return StoreStatus(store: "postgresql", location: self.url.description, epoch: epoch, bytes: bytes, operations: operations,
                               entities: nil, tokens: tokens, replicas: nil, lastBackup: nil, restored: nil)
        }
    }
}
