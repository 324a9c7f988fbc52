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
    /// What this replica replicates: its entity kinds and fields, declared once.
    public let schema: SyncSchema
    /// The schema's field catalog, against which operations are validated.
    public var catalog: FieldCatalog { schema.catalog }
    let wallClock: any WallClock

    /// Opens (and if `create` is set, initialises) a replica of `schema` on a GRDB writer.
    ///
    /// An existing database that is not a CivicSync replica is refused, never modified; one
    /// written with an older schema is brought up to date (new tables and columns, then the
    /// state rebuilt from the log); one written with a newer schema is refused.
    public init(writer: any DatabaseWriter, create replicaID: ReplicaID? = nil, wallClock: any WallClock,
                schema: SyncSchema) throws {
        self.writer = writer
        self.wallClock = wallClock
        self.schema = schema
        do {
            let state = try writer.read { db in try ReplicaStore.inspect(db) }
            switch state {
            case .empty:
                guard let replicaID else {
                    throw SyncError(.notAReplica, "the database is empty: it is not a CivicSync replica yet (create one first)")
                }
                try writer.write { db in
                    try db.execute(sql: ReplicaSchema.sql(for: schema))
                    try db.execute(sql: "INSERT INTO replica_meta(key, value) VALUES ('format', ?), ('replica_id', ?), ('counter', '0'), ('hlc', '')",
                                   arguments: [ReplicaSchema.formatMarker, replicaID.rawValue])
                    try ReplicaStore.recordVersions(schema, db)
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
                self.replicaID = id
                try upgrade()
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
    public static func open(path: String, create replicaID: ReplicaID? = nil, wallClock: any WallClock = SystemWallClock(),
                            schema: SyncSchema) throws -> ReplicaStore {
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
        return try ReplicaStore(writer: queue, create: replicaID, wallClock: wallClock, schema: schema)
    }

    /// Connection settings for replica files: WAL (readers never block the writer),
    /// synchronous FULL (a committed change survives a power cut), a busy timeout for the
    /// rare second process.
    public static func fileConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // 32 MiB of page cache: a replica holding a whole country (HQ) merges as fast as a small one.
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768")
        }
        return configuration
    }

    /// An in-memory replica, for tests and simulations.
    public static func inMemory(_ replicaID: ReplicaID, wallClock: any WallClock, schema: SyncSchema) throws -> ReplicaStore {
        try ReplicaStore(writer: try DatabaseQueue(), create: replicaID, wallClock: wallClock, schema: schema)
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

    /// Migration identifiers of GRDB's migrator that files of earlier builds carry (this build
    /// no longer runs migrations: it brings files to the declared schema, see `upgrade`), and
    /// the one it writes so that those earlier builds refuse its files as "newer".
    static let knownMigrations: Set<String> = ["v1", "v2", "v3-declared"]

    /// Writes the versions of this program into the file (and GRDB's migration marker, which
    /// earlier builds read to refuse files they do not understand).
    static func recordVersions(_ schema: SyncSchema, _ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        for identifier in knownMigrations.sorted() {
            try db.execute(sql: "INSERT OR IGNORE INTO grdb_migrations(identifier) VALUES (?)", arguments: [identifier])
        }
        try db.execute(sql: """
            INSERT OR REPLACE INTO replica_meta(key, value) VALUES ('schema_name', ?), ('schema_version', ?), ('engine_version', ?)
            """, arguments: [schema.name, String(schema.version), String(ReplicaSchema.engineVersion)])
    }

    /// Brings an existing file to this program's schema: refuses one written by a newer
    /// program or for another schema; adds the engine's and the declared tables, columns and
    /// indexes it lacks; rebuilds the state from the log when anything changed (new columns are
    /// filled, operations on fields the file's schema did not know are merged at last).
    private func upgrade() throws {
        try writer.write { db in
            let applied = try db.tableExists("grdb_migrations")
                ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
            let unknown = applied.subtracting(Self.knownMigrations)
            func meta(_ key: String) throws -> String? {
                try String.fetchOne(db, sql: "SELECT value FROM replica_meta WHERE key = ?", arguments: [key])
            }
            let storedVersion = try meta("schema_version").flatMap(Int.init)
            let storedEngine = try meta("engine_version").flatMap(Int.init)
            if !unknown.isEmpty || (storedEngine ?? 0) > ReplicaSchema.engineVersion || (storedVersion ?? 0) > schema.version {
                throw SyncError(.incompatibleReplica, "the replica was written by a newer CivicSync (schema \(storedVersion.map(String.init) ?? unknown.sorted().joined(separator: ", "))); upgrade this program")
            }
            if let name = try meta("schema_name"), name != schema.name {
                throw SyncError(.incompatibleReplica, "the replica holds schema '\(name)', not '\(schema.name)'; open it with the program it belongs to")
            }
            var changed = try meta("rebuild_needed") != nil || (storedVersion ?? 0) < schema.version
            // The engine's own tables: supersession remembers who superseded (engine version 2).
            if try !db.columns(in: "superseded").contains(where: { $0.name == "by_hlc" }) {
                try db.execute(sql: "ALTER TABLE superseded ADD COLUMN by_hlc TEXT NOT NULL DEFAULT ''")
                changed = true
            }
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS oplog_hlc ON oplog(hlc)")
            // Engine version 3: operations of a newer schema are held in the log.
            if try !db.columns(in: "oplog").contains(where: { $0.name == "held" }) {
                try db.execute(sql: "ALTER TABLE oplog ADD COLUMN held INTEGER NOT NULL DEFAULT 0")
            }
            // Engine version 4: the log's entity index reaches down to the key (a lookup of one
            // voter's or attendee's operations does not read the whole field's), and the state
            // digest is kept as the merge writes.
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_index_info('oplog_entity')") == 3 {
                try db.execute(sql: "DROP INDEX oplog_entity; CREATE INDEX oplog_entity ON oplog(entity, entity_id, field, key)")
            }
            // Engine version 5: compaction.
            if try !db.tableExists("compacted_ranges") {
                try db.execute(sql: ReplicaSchema.compactionTables)
            }
            if try !db.tableExists("digest_buckets") {
                try db.execute(sql: ReplicaSchema.digestTable)
                changed = true
            }
            // The declared tables: new tables, new columns at the end, new indexes.
            for table in schema.tables {
                guard try db.tableExists(table.name) else {
                    try db.execute(sql: table.createStatement)
                    changed = true
                    continue
                }
                let existing = Set(try db.columns(in: table.name).map(\.name))
                for column in table.columns where !existing.contains(column.name) {
                    try db.execute(sql: table.addColumnStatement(column))
                    changed = true
                }
            }
            for index in schema.entities.flatMap(\.indexes) {
                try db.execute(sql: index.createStatement.replacingOccurrences(of: "CREATE INDEX", with: "CREATE INDEX IF NOT EXISTS"))
            }
            if changed { try rebuildState(db) }
            try db.execute(sql: "DELETE FROM replica_meta WHERE key = 'rebuild_needed'")
            try Self.recordVersions(schema, db)
        }
    }
}
