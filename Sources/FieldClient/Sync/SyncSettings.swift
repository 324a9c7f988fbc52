import GRDB
import SyncCore

/// Where and how a replica syncs, plus its pull cursor. Stored in the replica file (table
/// `field_sync`), outside the replicated state: never synced, never in the digest.
public struct SyncSettings: Sendable, Codable, Equatable {
    public var serverURL: String
    public var token: String
    /// Operations per push request.
    public var batchSize: Int = 500
    /// Operations per pull request.
    public var pullLimit: Int = 500
    /// Whether a new replica's first sync takes a snapshot (whole entities) rather than
    /// replaying the log; not saved (a setting for tests and comparisons).
    public var snapshots = true
    /// Operations per snapshot page.
    public var snapshotLimit: Int = 5_000
    /// Whether the snapshot comes as one SQLite file when the server makes them (else, or from
    /// servers that do not, as pages of entities in JSON); not saved.
    public var snapshotFiles = true
    /// Bytes asked for per request while downloading a snapshot file; not saved.
    public var snapshotChunkBytes: Int64 = 8 << 20
    /// Attempts after the first when the server is unreachable or answers 5xx.
    public var retries: Int = 3
    /// First retry delay; doubles each attempt.
    public var backoffMilliseconds: Int = 250
    /// Per-request timeout.
    public var timeoutSeconds: Int = 30
    /// The certificate (PEM) of the private CA that signed the server's HTTPS certificate
    /// (`field remote set --ca-cert`); nil trusts the system's CAs.
    public var caCertificatePEM: String?
    /// Whether the person allowed sending the token over plain HTTP to a server other than this
    /// machine (`--insecure`); without it such a server is refused.
    public var insecure = false
    /// Whether answers may come gzip-compressed and pushes go compressed to servers that read
    /// them; not saved (a setting for comparisons: the benchmark measures both).
    public var compression = true

    public init(serverURL: String, token: String) {
        self.serverURL = serverURL
        self.token = token
    }
}

/// What the replica remembers between syncs.
public struct SyncStateRecord: Sendable, Codable, Equatable {
    public var settings: SyncSettings?
    /// The server's oplog position this replica has pulled up to.
    public var cursor: Int64
    /// The exact cursor the server gave last (opaque; it may stand inside an entity's replayed
    /// history), nil when only the position is known (pulls by earlier clients).
    public var cursorText: String? = nil
    /// The scope (as the server names it) the cursor was reached with; another scope starts
    /// the pull again from the beginning.
    public var pullScope: String? = nil
    /// The epoch of the server's log this replica last synced with (nil: never, or a server
    /// that does not announce one).
    public var serverEpoch: String? = nil
    /// Where a first sync's snapshot stands, while it is being taken (nil: none under way).
    public var snapshotCursor: String? = nil
    /// Wall-clock milliseconds of the last sync that finished.
    public var lastSyncMilliseconds: Int64?
    /// The summary of that sync (JSON of `SyncReport`).
    public var lastReportJSON: String?
}

public enum SyncSettingsTable {
    static let create = """
    CREATE TABLE IF NOT EXISTS field_sync (
        singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
        server_url      TEXT,
        token           TEXT,
        batch_size      INTEGER NOT NULL DEFAULT 500,
        pull_limit      INTEGER NOT NULL DEFAULT 500,
        retries         INTEGER NOT NULL DEFAULT 3,
        backoff_ms      INTEGER NOT NULL DEFAULT 250,
        timeout_seconds INTEGER NOT NULL DEFAULT 30,
        pull_cursor     INTEGER NOT NULL DEFAULT 0,
        last_sync_ms    INTEGER,
        last_report     TEXT
    );
    INSERT OR IGNORE INTO field_sync(singleton) VALUES (1);
    """

    public static func load(_ db: Database) throws -> SyncStateRecord {
        guard try db.tableExists("field_sync"), let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM field_sync WHERE singleton = 1")) else {
            return SyncStateRecord(settings: nil, cursor: 0, pullScope: nil, lastSyncMilliseconds: nil, lastReportJSON: nil)
        }
        var settings: SyncSettings?
        if let url: String = row["server_url"], let token: String = row["token"] {
            var s = SyncSettings(serverURL: url, token: token)
            s.batchSize = row["batch_size"]
            s.pullLimit = row["pull_limit"]
            s.retries = row["retries"]
            s.backoffMilliseconds = row["backoff_ms"]
            s.timeoutSeconds = row["timeout_seconds"]
            s.caCertificatePEM = row["ca_cert"]
            s.insecure = row["insecure"] ?? false
            settings = s
        }
        return SyncStateRecord(settings: settings, cursor: row["pull_cursor"], cursorText: row["pull_position"], pullScope: row["pull_scope"],
                               serverEpoch: row["server_epoch"], snapshotCursor: row["snapshot_cursor"],
                               lastSyncMilliseconds: row["last_sync_ms"], lastReportJSON: row["last_report"])
    }

    /// Creates the table, or adds what a newer client keeps in it.
    static func prepare(_ db: Database) throws {
        // Every sync saves through here: a table already in shape costs two schema-cache lookups.
        if try db.tableExists("field_sync"), try db.columns(in: "field_sync").contains(where: { $0.name == "insecure" }) { return }
        try db.execute(sql: create)
        let columns = try db.columns(in: "field_sync").map(\.name)
        if !columns.contains("pull_scope") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN pull_scope TEXT")
        }
        if !columns.contains("pull_position") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN pull_position TEXT")
        }
        if !columns.contains("server_epoch") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN server_epoch TEXT")
        }
        if !columns.contains("snapshot_cursor") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN snapshot_cursor TEXT")
        }
        if !columns.contains("ca_cert") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN ca_cert TEXT")
        }
        if !columns.contains("insecure") {
            try db.execute(sql: "ALTER TABLE field_sync ADD COLUMN insecure INTEGER NOT NULL DEFAULT 0")
        }
        // Own operations sent again after the server's epoch changed: a refusal of one of them is
        // not final (the server once stored it; what it depends on may come back with another
        // replica's next sync), so it waits instead of being rejected.
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS field_resend (op_id TEXT PRIMARY KEY, since_ms INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID")
    }

    /// Saves settings; pointing the replica at another server, or using another token, starts
    /// pulling from the beginning (the token may see more than the old one did).
    public static func save(_ settings: SyncSettings, _ db: Database) throws {
        try prepare(db)
        let previous = try Row.fetchOne(db.cachedStatement(sql: "SELECT server_url, token FROM field_sync WHERE singleton = 1"))
        try db.cachedStatement(sql: """
            UPDATE field_sync SET server_url = ?, token = ?, batch_size = ?, pull_limit = ?, retries = ?, backoff_ms = ?,
            timeout_seconds = ?, ca_cert = ?, insecure = ? WHERE singleton = 1
            """).execute(arguments: [settings.serverURL, settings.token, settings.batchSize, settings.pullLimit, settings.retries,
                             settings.backoffMilliseconds, settings.timeoutSeconds, settings.caCertificatePEM, settings.insecure])
        if previous?["server_url"] != settings.serverURL {
            // The epoch stays: another server (or the same one at a new address) announces its
            // own, and a different one makes this replica send its operations again.
            try db.cachedStatement(sql: """
                UPDATE field_sync SET pull_cursor = 0, pull_position = NULL, pull_scope = NULL, snapshot_cursor = NULL, last_sync_ms = NULL, last_report = NULL WHERE singleton = 1
                """).execute()
        } else if previous?["token"] != settings.token {
            try db.cachedStatement(sql: "UPDATE field_sync SET pull_cursor = 0, pull_position = NULL, pull_scope = NULL, snapshot_cursor = NULL WHERE singleton = 1").execute()
        }
    }

    /// Saves the cursor the server gave (its position too, so that earlier clients and
    /// `field status` read where the replica stands).
    static func saveCursor(_ cursor: String, _ db: Database) throws {
        try prepare(db)
        try db.cachedStatement(sql: "UPDATE field_sync SET pull_cursor = ?, pull_position = ? WHERE singleton = 1")
            .execute(arguments: [Self.position(of: cursor) ?? 0, cursor])
    }

    /// Records the server's epoch. On a change (not the first time), every operation of this
    /// replica's own goes again (`ReplicaStore.resendAcknowledged`, remembered in
    /// `field_resend`) and the pull starts from the beginning. Returns how many were resent, nil
    /// when the epoch did not change.
    static func adoptEpoch(_ epoch: String, store: ReplicaStore, at milliseconds: Int64, _ db: Database) throws -> Int? {
        try prepare(db)
        let known = try String.fetchOne(db.cachedStatement(sql: "SELECT server_epoch FROM field_sync WHERE singleton = 1"))
        guard known != epoch else { return nil }
        try db.cachedStatement(sql: "UPDATE field_sync SET server_epoch = ? WHERE singleton = 1").execute(arguments: [epoch])
        guard known != nil else { return nil }
        let ids = try store.resendAcknowledged(db)
        let remember = try db.cachedStatement(sql: "INSERT OR REPLACE INTO field_resend(op_id, since_ms) VALUES (?, ?)")
        for id in ids { try remember.execute(arguments: [id.description, milliseconds]) }
        try db.cachedStatement(sql: "UPDATE field_sync SET pull_cursor = 0, pull_position = NULL, snapshot_cursor = NULL WHERE singleton = 1").execute()
        // The restored server may lack the bytes of files attached here: each is asked about
        // again (and sent only if the server does not hold it).
        if try db.tableExists("field_attachments") {
            try db.execute(sql: "UPDATE field_attachments SET state = 'waiting', reason = NULL WHERE state IN ('uploaded', 'refused')")
        }
        return ids.count
    }

    /// How long after an epoch change a refusal of an operation sent again is taken as "not
    /// yet" (what it depends on may come back with another replica's sync); after that it is
    /// final, like any refusal.
    static let resendGraceMilliseconds: Int64 = 7 * 86_400_000

    /// Which of `ids` were sent again after an epoch change less than the grace period ago.
    static func resent(among ids: [OperationID], now: Int64, _ db: Database) throws -> Set<OperationID> {
        try prepare(db)
        guard try hasResent(db) else { return [] }
        let lookup = try db.cachedStatement(sql: "SELECT since_ms FROM field_resend WHERE op_id = ?")
        return Set(try ids.filter { id in
            guard let since = try Int64.fetchOne(lookup, arguments: [id.description]) else { return false }
            return now - since <= resendGraceMilliseconds
        })
    }

    /// Whether anything waits as sent again (almost never: pushes skip the lookups then).
    static func hasResent(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM field_resend)")) ?? false
    }

    /// Every operation sent again after an epoch change that no server has stored since.
    static func allResent(_ db: Database) throws -> Set<OperationID> {
        try prepare(db)
        return Set(try String.fetchAll(db, sql: "SELECT op_id FROM field_resend").compactMap(OperationID.init))
    }

    /// Forgets resent operations the server has stored again.
    static func forgetResent(_ ids: [OperationID], _ db: Database) throws {
        try prepare(db)
        guard try hasResent(db) else { return }
        let forget = try db.cachedStatement(sql: "DELETE FROM field_resend WHERE op_id = ?")
        for id in ids { try forget.execute(arguments: [id.description]) }
    }

    /// Saves where a snapshot stands; `finished` at `position`: the snapshot is done and the pull
    /// goes on from that position.
    static func saveSnapshotCursor(_ cursor: String?, finishedAt position: Int64? = nil, _ db: Database) throws {
        try prepare(db)
        try db.cachedStatement(sql: "UPDATE field_sync SET snapshot_cursor = ? WHERE singleton = 1").execute(arguments: [cursor])
        if let position { try saveCursor(String(position), db) }
    }

    static func saveScope(_ scope: String, _ db: Database) throws {
        try prepare(db)
        try db.cachedStatement(sql: "UPDATE field_sync SET pull_scope = ? WHERE singleton = 1").execute(arguments: [scope])
    }

    static func saveFinished(milliseconds: Int64, reportJSON: String, _ db: Database) throws {
        try prepare(db)
        try db.execute(sql: "UPDATE field_sync SET last_sync_ms = ?, last_report = ? WHERE singleton = 1",
                       arguments: [milliseconds, reportJSON])
    }

    /// The log position a cursor stands at: its leading number.
    static func position(of cursor: String) -> Int64? {
        Int64(cursor.prefix { $0 != "." })
    }
}
