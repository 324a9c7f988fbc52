import Foundation
import GRDB
import SyncCore

/// Online backup and restore of the embedded store (docs/OPERATIONS.md).
///
/// A backup is `VACUUM INTO`: SQLite writes a compact copy of the database as one read
/// transaction sees it, so it is consistent while the server keeps serving (pushes wait a
/// moment for nothing: WAL readers do not block the writer). A restore puts such a copy in
/// place of a stopped server's store and gives it a new epoch, so that replicas which have
/// seen newer operations push them again.
extension SQLiteSyncStorage {
    /// What a backup wrote, also kept in `server_meta` as the last backup.
    public struct BackupRecord: Sendable, Codable, Equatable {
        public var path: String
        public var bytes: Int64
        public var operations: Int
        public var epoch: String
        /// Wall-clock milliseconds when it was taken.
        public var takenAt: Int64
    }

    /// Writes a consistent copy of the store to `path` (which must not exist) while it serves,
    /// and records it as the last backup.
    public func backup(to path: String, at milliseconds: Int64) throws -> BackupRecord {
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        guard !FileManager.default.fileExists(atPath: target) else {
            throw SyncError(.conflict, "\(target) exists already; a backup never overwrites a file (choose another name, or remove it)")
        }
        let directory = (target as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: directory) else {
            throw SyncError(.notFound, "the directory \(directory) does not exist")
        }
        let operations = try Self.wrap {
            // Outside a transaction (VACUUM refuses to run in one); it reads one snapshot itself.
            try writer.unsafeRead { db -> Int in
                try db.execute(sql: "VACUUM INTO ?", arguments: [target])
                return try Self.contents(of: target).operations
            }
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? 0
        let record = BackupRecord(path: target, bytes: bytes, operations: operations, epoch: epoch, takenAt: milliseconds)
        let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        try Self.wrap {
            try writer.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO server_meta(key, value) VALUES ('last_backup', ?)", arguments: [json])
            }
        }
        return record
    }

    /// The last backup taken of this store (nil: none since it was created or restored).
    public func lastBackup() throws -> BackupRecord? {
        try Self.wrap {
            try writer.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'last_backup'")
                    .flatMap { try? JSONDecoder().decode(BackupRecord.self, from: Data($0.utf8)) }
            }
        }
    }

    /// What a restore did.
    public struct RestoreRecord: Sendable, Codable, Equatable {
        public var from: String
        public var operations: Int
        /// The epoch the backup had, and the new one the restored store announces.
        public var previousEpoch: String
        public var epoch: String
        /// Where the store that was replaced was kept (nil when there was none).
        public var replacedStoreKeptAt: String?
    }

    /// Puts the backup at `source` in place of the store in `directory`, with a new epoch.
    /// Refuses a file that is not a sound CivicSync server store, and a directory whose store
    /// holds operations or tokens unless `force` (the replaced store is then kept beside it as
    /// `server.sqlite.replaced-<time>`, never deleted). The caller holds the directory's lock.
    public static func restore(from source: String, into directory: String, force: Bool, ids: any IDSource,
                               at milliseconds: Int64) throws -> RestoreRecord {
        let sourcePath = URL(fileURLWithPath: source).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: sourcePath) else { throw SyncError(.notFound, "\(sourcePath) does not exist") }
        let (operations, previousEpoch) = try inspectBackup(sourcePath)
        let fileManager = FileManager.default
        try? fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = (directory as NSString).appendingPathComponent(fileName)
        var kept: String?
        if fileManager.fileExists(atPath: target) {
            let (held, tokens) = try contents(of: target)
            if (held > 0 || tokens > 0) && !force {
                throw SyncError(.conflict, "the store in \(directory) is not empty (\(held) operations, \(tokens) tokens); restoring would replace it: pass --force (it is then kept beside the restored one)")
            }
            kept = target + ".replaced-\(milliseconds)"
        }
        // The copy is prepared beside the store, then moved in place: a failure leaves the store as it was.
        let staging = target + ".restoring"
        for suffix in ["", "-journal", "-wal", "-shm"] { try? fileManager.removeItem(atPath: staging + suffix) }
        do {
            try fileManager.copyItem(atPath: sourcePath, toPath: staging)
            let queue = try DatabaseQueue(path: staging)
            let epoch = try queue.write { db -> String in
                let epoch = try renewEpoch(ids: ids, db)
                try db.execute(sql: "DELETE FROM server_meta WHERE key = 'last_backup'")
                let note = #"{"from":\#(JSONValue.string(sourcePath).canonicalJSON),"at":\#(milliseconds),"previousEpoch":\#(JSONValue.string(previousEpoch).canonicalJSON)}"#
                try db.execute(sql: "INSERT OR REPLACE INTO server_meta(key, value) VALUES ('restored', ?)", arguments: [note])
                return epoch
            }
            try queue.close()
            if let kept {
                for suffix in ["", "-wal", "-shm"] where fileManager.fileExists(atPath: target + suffix) {
                    try fileManager.moveItem(atPath: target + suffix, toPath: kept + suffix)
                }
            }
            try fileManager.moveItem(atPath: staging, toPath: target)
            removeSnapshots(inDataDirectory: directory)
            return RestoreRecord(from: sourcePath, operations: operations, previousEpoch: previousEpoch, epoch: epoch,
                                 replacedStoreKeptAt: kept)
        } catch let error as SyncError {
            try? fileManager.removeItem(atPath: staging)
            throw error
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw SyncError(.storage, "the restore failed; the store in \(directory) is unchanged", cause: error)
        }
    }

    /// Checks that `path` is a sound server store; returns its operations and epoch.
    static func inspectBackup(_ path: String) throws -> (operations: Int, epoch: String) {
        do {
            return try readOnly(path) { db in
                guard try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" else {
                    throw SyncError(.notAReplica, "\(path) is damaged (SQLite's quick_check fails); it cannot be restored")
                }
                guard try db.tableExists("replica_meta"), try db.tableExists("server_meta"), try db.tableExists("oplog"),
                      try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = 'format'") == ReplicaSchema.formatMarker,
                      try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = 'replica_id'") == replicaID.rawValue else {
                    throw SyncError(.notAReplica, "\(path) is not a CivicSync server store (a backup made by `syncserver backup`)")
                }
                let operations = try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0
                let epoch = try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'epoch'") ?? "none"
                return (operations, epoch)
            }
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.notAReplica, "\(path) cannot be read as a SQLite database", cause: error)
        }
    }

    /// How many operations and tokens the store at `path` holds (a file that cannot be read
    /// counts as holding something: it is never replaced silently).
    static func contents(of path: String) throws -> (operations: Int, tokens: Int) {
        do {
            return try readOnly(path) { db in
                let operations = try db.tableExists("oplog") ? try Int.fetchOne(db, sql: "SELECT count(*) FROM oplog") ?? 0 : 0
                let tokens = try db.tableExists("server_tokens") ? try Int.fetchOne(db, sql: "SELECT count(*) FROM server_tokens") ?? 0 : 0
                return (operations, tokens)
            }
        } catch {
            return (1, 0)
        }
    }

    /// Reads the database at `path` without writing to it.
    static func readOnly<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read(body)
    }
}
