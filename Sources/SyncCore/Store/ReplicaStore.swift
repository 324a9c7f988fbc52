import Foundation
import GRDB

/// A replica: the SQLite file with the operation log, the merge metadata and the materialised
/// tables. Local writes and remote batches go through the same merge code, each batch in one
/// transaction.
///
/// A class because it owns a resource (the database connection); it holds no mutable state of
/// its own: everything, including the clock and the counter, lives in the database and changes
/// only inside GRDB's serialised write transactions.
public final class ReplicaStore: Sendable {
    public let writer: any DatabaseWriter
    public let replicaID: ReplicaID
    public let catalog: FieldCatalog
    let wallClock: any WallClock

    /// Opens (and if `create` is set, initialises) a replica on a GRDB writer.
    ///
    /// An existing database that is not a CivicSync replica is refused, never modified.
    public init(writer: any DatabaseWriter, create replicaID: ReplicaID? = nil, wallClock: any WallClock,
                catalog: FieldCatalog = .civicSync) throws {
        self.writer = writer
        self.wallClock = wallClock
        self.catalog = catalog
        do {
            let state = try writer.read { db in try ReplicaStore.inspect(db) }
            switch state {
            case .empty:
                guard let replicaID else {
                    throw SyncError(.notAReplica, "the database is empty: it is not a CivicSync replica yet (create one first)")
                }
                try ReplicaStore.migrator.migrate(writer)
                try writer.write { db in
                    try db.execute(sql: "INSERT INTO replica_meta(key, value) VALUES ('format', ?), ('replica_id', ?), ('counter', '0'), ('hlc', '')",
                                   arguments: [ReplicaSchema.formatMarker, replicaID.rawValue])
                }
                self.replicaID = replicaID
            case .foreign(let why):
                throw SyncError(.notAReplica, "the database is not a CivicSync replica (\(why)); it was left untouched")
            case .replica(let id):
                if let replicaID, replicaID != id {
                    throw SyncError(.conflict, "this file is already the replica '\(id)'; it was left untouched")
                }
                if replicaID != nil {
                    throw SyncError(.conflict, "this file is already a replica ('\(id)'); it was left untouched")
                }
                try ReplicaStore.checkMigrations(writer)
                self.replicaID = id
                try finishMigrations()
            }
        } catch let error as SyncError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw SyncError(.notAReplica, "the file is not a SQLite database or is damaged; it was left untouched", cause: error)
        } catch {
            throw SyncError(.storage, "could not open the replica", cause: error)
        }
    }

    /// Opens the replica file at `path`, creating it when `create` is given.
    public static func open(path: String, create replicaID: ReplicaID? = nil, wallClock: any WallClock = SystemWallClock()) throws -> ReplicaStore {
        let exists = FileManager.default.fileExists(atPath: path)
        if replicaID != nil && exists {
            throw SyncError(.conflict, "\(path) already exists; refusing to overwrite it")
        }
        if replicaID == nil && !exists {
            throw SyncError(.notFound, "no replica at \(path) (create one first)")
        }
        if exists {
            // Look before touching: switching to WAL rewrites the header of any SQLite file,
            // so a foreign file is inspected through a read-only connection and refused untouched.
            var readOnly = Configuration()
            readOnly.readonly = true
            do {
                let probe = try DatabaseQueue(path: path, configuration: readOnly)
                let state = try probe.read { db in try ReplicaStore.inspect(db) }
                try probe.close()
                switch state {
                case .foreign(let why):
                    throw SyncError(.notAReplica, "\(path) is not a CivicSync replica (\(why)); it was left untouched")
                case .empty:
                    throw SyncError(.notAReplica, "\(path) is an empty database, not a CivicSync replica; it was left untouched")
                case .replica:
                    break
                }
            } catch let error as SyncError {
                throw error
            } catch {
                throw SyncError(.notAReplica, "\(path) is not a SQLite database or is damaged; it was left untouched", cause: error)
            }
        }
        let configuration = fileConfiguration()
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw SyncError(.notAReplica, "cannot open \(path) as a SQLite database", cause: error)
        }
        return try ReplicaStore(writer: queue, create: replicaID, wallClock: wallClock)
    }

    /// Connection settings for replica files: WAL (readers never block the writer),
    /// synchronous FULL (a committed change survives a power cut), a busy timeout for the
    /// rare second process.
    public static func fileConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// An in-memory replica, for tests and simulations.
    public static func inMemory(_ replicaID: ReplicaID, wallClock: any WallClock) throws -> ReplicaStore {
        try ReplicaStore(writer: try DatabaseQueue(), create: replicaID, wallClock: wallClock)
    }

    enum FileState { case empty, foreign(String), replica(ReplicaID) }

    static func inspect(_ db: Database) throws -> FileState {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
        if tables.isEmpty { return .empty }
        guard tables.contains("replica_meta") else { return .foreign("it has tables \(tables.prefix(5).joined(separator: ", ")) but no replica_meta") }
        let format = try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = 'format'")
        guard format == ReplicaSchema.formatMarker else { return .foreign("its format marker is \(format ?? "missing")") }
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = 'replica_id'"),
              let id = ReplicaID(text) else { return .foreign("its replica id is missing or invalid") }
        return .replica(id)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: ReplicaSchema.version1)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: ReplicaSchema.version2)
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM oplog)") == true {
                try db.execute(sql: "INSERT OR REPLACE INTO replica_meta(key, value) VALUES ('rebuild_needed', '1')")
            }
        }
        return migrator
    }

    /// Rebuilds the state from the log when a migration changed what the merge records.
    private func finishMigrations() throws {
        try writer.write { db in
            guard try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = 'rebuild_needed'") != nil else { return }
            try rebuildState(db)
            try db.execute(sql: "DELETE FROM replica_meta WHERE key = 'rebuild_needed'")
        }
    }

    static func checkMigrations(_ writer: any DatabaseWriter) throws {
        let migrator = migrator
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let known = Set(migrator.migrations)
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw SyncError(.incompatibleReplica, "the replica was written by a newer CivicSync (schema \(unknown.sorted().joined(separator: ", "))); upgrade this program")
        }
        try migrator.migrate(writer)
    }
}
