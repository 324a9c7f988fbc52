import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import SyncCore

/// The shared side of the PostgreSQL store: the journal of changes (`JournalEntry`), the
/// tokens and the dashboard sessions, in one PostgreSQL database that every instance uses.
///
/// Positions are handed out under one transaction-scoped advisory lock (the journal lock): an
/// entry is appended and committed while its writer holds the lock, so position p is visible
/// to everyone before p + 1 can exist. No reader ever sees a larger position while a smaller
/// one is still in flight, which is what keeps pull cursors (log positions in the working copies
/// the entries build) from skipping anything.
///
/// A class because it owns the connection pool and the task that runs it.
public final class PostgresJournal: Sendable {
    public let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    /// The advisory lock keys: appending to the journal, migrating, issuing the first HQ token.
    static let journalLock: Int64 = 0x4369_7669_634A_6E6C
    static let migrationLock: Int64 = 0x4369_7669_634D_6772
    static let tokenLock: Int64 = 0x4369_7669_6354_6B6E

    /// Opens a pool of at most `maximumConnections` connections to `url`. Nothing is
    /// connected until the first query.
    public init(url: DatabaseURL, maximumConnections: Int = 8, logger: Logger = Logger(label: "civicsync.postgres")) {
        self.url = url
        self.logger = logger
        var configuration: PostgresClient.Configuration
        if let directory = url.socketDirectory {
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(url.port)", username: url.user,
                                  password: url.password, database: url.database)
        } else {
            // As libpq: prefer and require encrypt without checking the certificate; verify-full
            // checks it and the host name against the system's trust roots.
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            let tls: PostgresClient.Configuration.TLS
            switch url.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(unverified)
            case .require: tls = .require(unverified)
            case .verifyFull: tls = .require(.makeClientConfiguration())
            }
            configuration = .init(host: url.host, port: url.port, username: url.user, password: url.password,
                                  database: url.database, tls: tls)
        }
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        // The pool's own chatter (a lease queued before `run` has started, say) is not worth a
        // warning; its errors are.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Closes the pool (queries after this fail).
    public func shutdown() { runner.cancel() }

    // MARK: - Schema

    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// The database schema, one migration per version, applied in order and never edited once
    /// released (a change is a new version).
    static let migrations: [Migration] = [
        Migration(version: 1, name: "journal, tokens, dashboard sessions", statements: [
            "CREATE TABLE civicsync_meta (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE civicsync_journal (
                position bigint PRIMARY KEY, chain text NOT NULL, body text NOT NULL,
                operation_count integer NOT NULL, instance text NOT NULL, recorded_ms bigint NOT NULL)
            """,
            """
            CREATE TABLE civicsync_tokens (
                id text PRIMARY KEY, hash text NOT NULL UNIQUE, member_id text NOT NULL, role text NOT NULL,
                branch text, monitor_kind text, label text, created_ms bigint NOT NULL, revoked_ms bigint)
            """,
            "CREATE INDEX civicsync_tokens_member ON civicsync_tokens(member_id)",
            """
            CREATE TABLE civicsync_dashboard_sessions (
                hash text PRIMARY KEY, kind text NOT NULL, member_id text NOT NULL, role text NOT NULL,
                branch text, monitor_kind text, token_hash text NOT NULL, expires_ms bigint NOT NULL)
            """,
            "CREATE INDEX civicsync_dashboard_sessions_expiry ON civicsync_dashboard_sessions(expires_ms)",
        ]),
        Migration(version: 2, name: "instances (their heartbeats share the rate limit)", statements: [
            """
            CREATE TABLE civicsync_instances (
                name text PRIMARY KEY, started_ms bigint NOT NULL, last_seen_ms bigint NOT NULL)
            """,
        ]),
    ]

    /// The newest schema version this build knows.
    public static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to this build's schema, each missing version in order, all in one
    /// transaction under the migration lock (instances starting together migrate once).
    /// Refuses a database whose schema is newer than this build's, changing nothing.
    /// Returns the versions before and after.
    @discardableResult
    public func migrate() async throws -> (from: Int, to: Int) {
        // A database that does not answer is given up on quickly; one that answers gets the time
        // its migration takes (many instances, or a busy machine, can make that more than the
        // connection's deadline), bounded all the same.
        try await withDeadline(Self.connectDeadline, doing: "reach the database") {
            try await self.client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: self.logger) }
        }
        return try await withDeadline(Self.migrationDeadline, doing: "migrate the database schema") {
            try await self.inTransaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS civicsync_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, applied_ms bigint NOT NULL)
                    """, logger: self.logger)
                let current = try await self.currentVersion(connection)
                guard current <= Self.schemaVersion else { throw self.newerSchema(current) }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for migration in Self.migrations where migration.version > current {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                    }
                    try await connection.query("""
                        INSERT INTO civicsync_migrations(version, name, applied_ms) VALUES (\(migration.version), \(migration.name), \(now))
                        """, logger: self.logger)
                }
                try await connection.query("""
                    INSERT INTO civicsync_meta(key, value) VALUES ('store_id', \(UUID().uuidString.lowercased())) ON CONFLICT (key) DO NOTHING
                    """, logger: self.logger)
                return (current, Self.schemaVersion)
            }
        }
    }

    /// Checks that the database has exactly this build's schema (for commands that must not
    /// migrate, and for a start after `migrate`).
    public func checkSchema() async throws {
        let current = try await withDeadline(Self.connectDeadline, doing: "read the schema version") {
            try await self.client.withConnection { connection in
                let exists = try await connection.query("SELECT to_regclass('civicsync_migrations') IS NOT NULL", logger: self.logger)
                    .decode(Bool.self).reduce(false) { $0 || $1 }
                return exists ? try await self.currentVersion(connection) : 0
            }
        }
        guard current <= Self.schemaVersion else { throw newerSchema(current) }
        guard current == Self.schemaVersion else {
            throw SyncError(.incompatibleReplica, "the database \(url) has schema version \(current), this build needs \(Self.schemaVersion): run `syncserver migrate`")
        }
    }

    private func currentVersion(_ connection: PostgresConnection) async throws -> Int {
        try await connection.query("SELECT coalesce(max(version), 0) FROM civicsync_migrations", logger: logger)
            .decode(Int.self).reduce(0) { max($0, $1) }
    }

    private func newerSchema(_ version: Int) -> SyncError {
        SyncError(.incompatibleReplica, "the database \(url) has schema version \(version), newer than this build's \(Self.schemaVersion): it was migrated by a newer CivicSync; upgrade this program (nothing was changed)")
    }

    /// The database's identity, written by the first migration: a working copy of another
    /// database is never reused.
    public func storeID() async throws -> String {
        try await wrap("read the store id") {
            let rows = try await self.client.query("SELECT value FROM civicsync_meta WHERE key = 'store_id'", logger: self.logger)
            for try await id in rows.decode(String.self) { return id }
            throw SyncError(.storage, "the database \(self.url) has no store id: run `syncserver migrate`")
        }
    }

    /// The epoch of the database's log (`SyncStorage.epoch`), created with a random value when
    /// missing.
    public func epoch(new candidate: String) async throws -> String {
        try await wrap("read the epoch") {
            try await self.client.query("""
                INSERT INTO civicsync_meta(key, value) VALUES ('epoch', \(candidate)) ON CONFLICT (key) DO NOTHING
                """, logger: self.logger)
            let rows = try await self.client.query("SELECT value FROM civicsync_meta WHERE key = 'epoch'", logger: self.logger)
            for try await epoch in rows.decode(String.self) { return epoch }
            throw SyncError(.storage, "the database \(self.url) has no epoch")
        }
    }

    /// Gives the database's log a new epoch (after restoring it from a dump): instances started
    /// afterwards announce it, and replicas push their operations again.
    public func renewEpoch(_ epoch: String) async throws {
        try await wrap("renew the epoch") {
            try await self.client.query("""
                INSERT INTO civicsync_meta(key, value) VALUES ('epoch', \(epoch)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: self.logger)
        }
    }

    // MARK: - The journal

    /// The last position and its chain (0 and "" for an empty journal).
    public struct Head: Sendable, Equatable {
        public var position: Int64
        public var chain: String
    }

    public func head() async throws -> Head {
        try await wrap("read the journal") {
            try await self.client.withConnection { connection in try await self.head(connection) }
        }
    }

    func head(_ connection: PostgresConnection) async throws -> Head {
        let rows = try await connection.query("SELECT position, chain FROM civicsync_journal ORDER BY position DESC LIMIT 1",
                                              logger: logger)
        for try await (position, chain) in rows.decode((Int64, String).self) { return Head(position: position, chain: chain) }
        return Head(position: 0, chain: "")
    }

    /// The chain at `position` (nil when there is no such entry).
    public func chain(at position: Int64) async throws -> String? {
        try await wrap("read the journal") {
            let rows = try await self.client.query("SELECT chain FROM civicsync_journal WHERE position = \(position)", logger: self.logger)
            for try await chain in rows.decode(String.self) { return chain }
            return nil
        }
    }

    /// Entries after `position`, in order, up to `through`: at most `limit` entries, and no more
    /// than about `maxOperations` operations (at least one entry), so that catching up after a
    /// data-set load never holds a whole load in memory.
    func entries(after position: Int64, through: Int64, limit: Int, maxOperations: Int,
                 _ connection: PostgresConnection? = nil) async throws -> [JournalEntry] {
        func read(_ connection: PostgresConnection) async throws -> [JournalEntry] {
            var last = position, operations = 0
            for try await (entry, count) in try await connection.query("""
                SELECT position, operation_count FROM civicsync_journal
                WHERE position > \(position) AND position <= \(through) ORDER BY position LIMIT \(limit)
                """, logger: logger).decode((Int64, Int).self) {
                if last > position && operations + count > maxOperations { break }
                last = entry
                operations += count
            }
            guard last > position else { return [] }
            var entries: [JournalEntry] = []
            for try await (position, chain, body) in try await connection.query("""
                SELECT position, chain, body FROM civicsync_journal WHERE position > \(position) AND position <= \(last) ORDER BY position
                """, logger: logger).decode((Int64, String, String).self) {
                entries.append(try JournalEntry.decode(position: position, body: body, chain: chain))
            }
            return entries
        }
        return try await wrap("read the journal") {
            if let connection { return try await read(connection) }
            return try await self.client.withConnection { try await read($0) }
        }
    }

    /// Runs `body` on a connection in a transaction that holds the journal lock, with the
    /// journal's head as of the lock. `body` appends with `appendAndCommit`; whatever it did not
    /// commit is rolled back, which also releases the lock.
    func withJournalLock<T: Sendable>(_ body: @Sendable (PostgresConnection, Head) async throws -> T) async throws -> T {
        try await wrap("lock the journal") {
            try await self.client.withConnection { connection in
                // READ COMMITTED whatever the database's default: the head read after the lock
                // is granted must see the entry its previous holder committed.
                try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.logger)
                do {
                    // An instance cut off from the database while it holds the lock must not stop
                    // every other instance's pushes: the server ends its transaction (and so the
                    // lock) after this long idle; waiting for the lock, or a statement, is bounded too.
                    try await connection.query("""
                        SELECT set_config('idle_in_transaction_session_timeout', '60s', true),
                               set_config('lock_timeout', '60s', true), set_config('statement_timeout', '120s', true)
                        """, logger: self.logger)
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.journalLock))", logger: self.logger)
                    let result = try await body(connection, try await self.head(connection))
                    // Already committed when something was appended; otherwise ends the transaction.
                    // Its failure changes nothing that was stored, so it does not fail the pushes.
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        }
    }

    /// The channel every append notifies, with the entry's position.
    static let appendChannel = "civicsync_journal"

    /// Calls `onAppend` once listening (an append may have passed unheard before), then at every
    /// append of any instance, until the connection fails or the task is cancelled.
    func listenForAppends(_ onAppend: @escaping @Sendable () -> Void) async throws {
        try await client.withConnection { connection in
            let notifications = try await connection.listen(Self.appendChannel)
            onAppend()
            for try await _ in notifications { onAppend() }
        }
    }

    /// Appends `entry` and commits, blocking the calling thread: the caller is a working copy's
    /// write transaction, which commits only once the entry is durable in PostgreSQL (and rolls
    /// back if it is not). Never call it from an event loop.
    func appendAndCommit(_ entry: JournalEntry, instance: String, at milliseconds: Int64,
                         on connection: PostgresConnection) throws {
        do {
            try Self.wait(for: connection.query("""
                INSERT INTO civicsync_journal(position, chain, body, operation_count, instance, recorded_ms)
                VALUES (\(entry.position), \(entry.chain), \(entry.body), \(entry.operationCount), \(instance), \(milliseconds))
                """, logger: logger), closing: connection)
            // Delivered at commit to every instance listening (`listenForAppends`).
            try Self.wait(for: connection.query("SELECT pg_notify(\(Self.appendChannel), \(String(entry.position)))", logger: logger),
                          closing: connection)
            try Self.wait(for: connection.query("COMMIT", logger: logger), closing: connection)
        } catch {
            throw Self.storageError("append to the journal", error, url: url)
        }
    }

    /// Waits for `future`, at most `appendDeadline`: past it the connection is closed (which
    /// fails the future, and the database rolls back what was not committed), so a silent
    /// network never blocks the working copy's writer for good.
    private static func wait<T: Sendable>(for future: EventLoopFuture<T>, closing connection: PostgresConnection) throws {
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { _ in done.signal() }
        if done.wait(timeout: .now() + appendDeadline) == .timedOut { let _: EventLoopFuture<Void> = connection.close() }
        _ = try future.wait()
    }

    /// How long an append (or its commit) may take before its connection is given up.
    static let appendDeadline: DispatchTimeInterval = .seconds(120)

    /// Records that `instance` is alive at `milliseconds` and returns how many instances were
    /// seen within `window` milliseconds (itself included).
    public func heartbeat(instance: String, at milliseconds: Int64, window: Int64 = 30_000) async throws -> Int {
        try await wrap("record this instance's heartbeat") {
            try await self.inTransaction { connection in
                try await connection.query("""
                    INSERT INTO civicsync_instances(name, started_ms, last_seen_ms) VALUES (\(instance), \(milliseconds), \(milliseconds))
                    ON CONFLICT (name) DO UPDATE SET last_seen_ms = excluded.last_seen_ms
                    """, logger: self.logger)
                var live = 1
                for try await count in try await connection.query(
                    "SELECT count(*) FROM civicsync_instances WHERE last_seen_ms > \(milliseconds - window)", logger: self.logger
                ).decode(Int.self) { live = max(1, count) }
                return live
            }
        }
    }

    /// Forgets `instance` (it stops: the others' share of the rate limit grows at once).
    public func leave(instance: String) async {
        _ = try? await client.query("DELETE FROM civicsync_instances WHERE name = \(instance)", logger: logger)
    }

    /// Reachability, for `/v1/health`.
    public func ping() async throws {
        try await withDeadline(.seconds(5), doing: "reach the database") {
            _ = try await self.client.query("SELECT 1", logger: self.logger)
        }
    }

    // MARK: - Helpers

    /// How long a start waits for the database before giving up (the pool would otherwise
    /// keep retrying a database that is down).
    static let connectDeadline: Duration = .seconds(15)
    /// How long a migration may take once the database answers.
    static let migrationDeadline: Duration = .seconds(300)

    /// Runs `body` (wrapped as `wrap` does), failing with a storage error once `deadline` has
    /// passed.
    func withDeadline<T: Sendable>(_ deadline: Duration, doing: String,
                                   _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await wrap(doing) {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw SyncError(.storage, "could not \(doing) on \(self.url): no answer within \(deadline.components.seconds) s")
                }
                return value
            }
        }
    }

    /// Runs `body` in a transaction on one connection (COMMIT on return, ROLLBACK on a throw).
    func inTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Database failures become `SyncError(.storage)` naming what was being done; domain errors
    /// pass through.
    func wrap<T>(_ doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SyncError {
            throw error
        } catch {
            throw Self.storageError(doing, error, url: url)
        }
    }

    static func storageError(_ doing: String, _ error: any Error, url: DatabaseURL) -> SyncError {
        if let error = error as? SyncError { return error }
        var detail = ""
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                detail = ": \(message)"
            } else {
                switch psql.code {
                case .connectionError, .serverClosedConnection, .clientClosedConnection: detail = ": cannot connect"
                case .sslUnsupported: detail = ": the server does not offer TLS (add ?sslmode=disable)"
                case .authMechanismRequiresPassword: detail = ": the server wants a password"
                default: detail = ": \(psql.code)"
                }
            }
        }
        return SyncError(.storage, "could not \(doing) on \(url)\(detail)", cause: error)
    }
}
