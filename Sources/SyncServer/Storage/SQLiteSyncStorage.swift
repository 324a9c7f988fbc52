import SyncCore
import Foundation
import GRDB

/// The embedded store: one SQLite file (`server.sqlite` in the data directory, WAL mode) that
/// is a CivicSync replica (the same log, merge and materialised tables as every replica) plus
/// the server's own tables: tokens, visibility grants, remembered rejections, replica owners.
///
/// A class because it owns the database connection pool; it keeps no mutable state of its own.
public final class SQLiteSyncStorage: SyncStorage {
    /// The replica the server merges into. Its writer is the pool every method uses.
    public let store: ReplicaStore
    public let policy: AccessPolicy
    /// What each member other than HQ may store per day.
    public let quota: UsageQuota
    let writer: any DatabaseWriter
    /// Pushes arriving together share one write transaction (group commit).
    let pushGroup: PushGroup
    /// The identity of this store's log, read at opening (see `SQLiteSyncStorage+Identity`).
    public let epoch: String
    public let changes = ChangeFeed()

    /// Replicas one member (other than HQ) may push from: each replica is one more writer whose
    /// writes can stand concurrently on a field.
    public static let maxReplicasPerMember = 64
    /// The file name inside the data directory.
    public static let fileName = "server.sqlite"
    /// The replica id of the server's own replica; the server never records operations itself.
    public static let replicaID = ReplicaID("server")!
    /// Bumped when the visibility rules change, so grants are recomputed at the next start.
    /// 2: monitors' own workshops are shown to their organiser and branch, not to everyone.
    /// 3: the cases a council decides are shown to its experts (`expert:<member>`).
    static let grantsVersion = "3"

    /// Opens (creating if needed) the store in `directory`.
    public static func open(directory: String, wallClock: any WallClock = SystemWallClock(),
                            policy: AccessPolicy = AccessPolicy(), quota: UsageQuota = .standard,
                            schema: SyncSchema = .civic, ids: any IDSource = SystemIDSource()) throws -> SQLiteSyncStorage {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SyncError(.storage, "cannot create the data directory \(directory)", cause: error)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        // A server store grows to millions of operations: a page cache and a memory map large
        // enough for the indexes a push reads keep the merge's cost flat as it grows.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: (directory as NSString).appendingPathComponent(fileName), configuration: configuration)
        } catch {
            throw SyncError(.notAReplica, "cannot open \(directory)/\(fileName) as a SQLite database", cause: error)
        }
        return try SQLiteSyncStorage(writer: pool, wallClock: wallClock, policy: policy, quota: quota, schema: schema, ids: ids)
    }

    /// A throw-away store in memory, for tests.
    public static func inMemory(wallClock: any WallClock = SystemWallClock(), policy: AccessPolicy = AccessPolicy(),
                                quota: UsageQuota = .standard, schema: SyncSchema = .civic,
                                ids: any IDSource = SystemIDSource()) throws -> SQLiteSyncStorage {
        try SQLiteSyncStorage(writer: try DatabaseQueue(), wallClock: wallClock, policy: policy, quota: quota, schema: schema, ids: ids)
    }

    /// What the store replicates.
    public var schema: SyncSchema { store.schema }

    public var storeKind: String { "sqlite" }

    /// Wraps a GRDB writer: an empty database becomes a server store; an existing one must be one.
    public init(writer: any DatabaseWriter, wallClock: any WallClock, policy: AccessPolicy = AccessPolicy(),
                quota: UsageQuota = .standard, schema: SyncSchema = .civic, ids: any IDSource = SystemIDSource()) throws {
        self.writer = writer
        pushGroup = PushGroup { group in await PushGroup.write(group, writer) }
        self.policy = policy
        self.quota = quota
        let isEmpty = try Self.wrap {
            try writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") == 0
            }
        }
        store = try ReplicaStore(writer: writer, create: isEmpty ? Self.replicaID : nil, wallClock: wallClock, schema: schema)
        epoch = try Self.wrap {
            try writer.write { db -> String in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
                return try Self.ensureEpoch(ids: ids, db)
            }
        }
        try Self.wrap {
            try writer.write { db in
                // Audience digests move in SQL; the writer is the one connection that writes.
                db.add(function: DigestSum.sqlAdd)
                try Self.rekeyGrants(db)
                try db.execute(sql: Self.schema)
                try Self.addReplicaHighWater(db)
                try db.execute(sql: Self.audienceDigestTable)
                let version = try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'grants_version'")
                let digestVersion = try String.fetchOne(db, sql: "SELECT value FROM server_meta WHERE key = 'audience_digest_version'")
                if version != Self.grantsVersion {
                    try rebuildGrants(db)
                    try db.execute(sql: "INSERT OR REPLACE INTO server_meta(key, value) VALUES ('grants_version', ?)",
                                   arguments: [Self.grantsVersion])
                }
                if version != Self.grantsVersion || digestVersion != Self.audienceDigestVersion {
                    try rebuildAudienceDigests(db)
                }
            }
        }
    }

    /// The server's tables, beside the replica's. Plain `IF NOT EXISTS` SQL rather than a GRDB
    /// migration: SyncCore refuses databases whose migrations it does not know.
    static let schema = """
    CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS server_tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, member_id TEXT NOT NULL, role TEXT NOT NULL,
        branch TEXT, monitor_kind TEXT, label TEXT, created_ms INTEGER NOT NULL, revoked_ms INTEGER
    );
    -- Entity e is shown to scope s from log position seq on (the first time it was granted). Never deleted.
    -- Keyed by entity first: the merge asks an entity's scopes, a pull asks a scope's new grants (the index).
    CREATE TABLE IF NOT EXISTS server_grants (
        scope TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (entity, entity_id, scope)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS server_grants_seq ON server_grants(scope, seq);
    -- Rejections, so a retried batch gets the same answer.
    CREATE TABLE IF NOT EXISTS server_rejections (
        op_id TEXT NOT NULL, member_id TEXT NOT NULL, fingerprint TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (op_id, member_id)
    ) WITHOUT ROWID;
    -- Each replica pushes for one member only; the highest counter and latest timestamp of its
    -- operations stored (columns added by addReplicaHighWater).
    CREATE TABLE IF NOT EXISTS server_replicas (
        replica TEXT PRIMARY KEY, member_id TEXT NOT NULL, first_push_ms INTEGER NOT NULL, last_push_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- Councils created by branch staff before councils named their branch (field council.branch).
    CREATE TABLE IF NOT EXISTS server_council_owners (council_id TEXT PRIMARY KEY, branch TEXT NOT NULL) WITHOUT ROWID;
    -- What each member stored per UTC day, for the quota.
    CREATE TABLE IF NOT EXISTS server_usage (
        member_id TEXT NOT NULL, day TEXT NOT NULL, operations INTEGER NOT NULL, bytes INTEGER NOT NULL,
        PRIMARY KEY (member_id, day)
    ) WITHOUT ROWID;
    -- Lookups the access rules make on the materialised tables.
    CREATE INDEX IF NOT EXISTS server_motions_case ON motions(case_id);
    CREATE INDEX IF NOT EXISTS server_motions_meeting ON motions(meeting_id);
    CREATE INDEX IF NOT EXISTS server_motions_council ON motions(council_id);
    CREATE INDEX IF NOT EXISTS server_agenda_case ON agenda_items(case_id);
    """

    /// Stores written before the grants were keyed by entity (scope first, and a second index
    /// by entity) get the new layout, grants unchanged: one index less to write per grant.
    static func rekeyGrants(_ db: Database) throws {
        let firstKey = try String.fetchOne(db, sql: "SELECT name FROM pragma_table_info('server_grants') WHERE pk = 1")
        guard firstKey == "scope" else { return }
        try db.execute(sql: """
            CREATE TABLE server_grants_by_entity (
                scope TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL, seq INTEGER NOT NULL,
                PRIMARY KEY (entity, entity_id, scope)
            ) WITHOUT ROWID;
            INSERT INTO server_grants_by_entity(scope, entity, entity_id, seq)
                SELECT scope, entity, entity_id, seq FROM server_grants ORDER BY entity, entity_id, scope;
            DROP TABLE server_grants;
            ALTER TABLE server_grants_by_entity RENAME TO server_grants;
            """)
    }

    public func checkHealth() async throws {
        try await Self.wrapAsync { try await self.writer.read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") } }
    }

    // MARK: - Error mapping

    /// Turns database errors into `SyncError(.storage)`; domain errors pass through.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.storage, "the server database failed; nothing was changed", cause: error)
        }
    }

    static func wrapAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SyncError {
            throw error
        } catch let error as QuotaExceeded {
            throw error
        } catch {
            throw SyncError(.storage, "the server database failed; nothing was changed", cause: error)
        }
    }
}
