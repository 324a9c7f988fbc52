import ArgumentParser
import Foundation
import Logging
import SyncCore
import SyncServer

/// Where every subcommand finds the store: the PostgreSQL database of `--database-url` (or
/// CIVICSYNC_DATABASE_URL) when given, else the embedded SQLite store in the data directory
/// (`--data-dir`, else CIVICSYNC_DATA_DIR, else `./civicsync-data`). On PostgreSQL the data
/// directory holds this instance's working copy (rebuilt from the database when missing).
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the server's database, or on PostgreSQL of this instance's working copy (env CIVICSYNC_DATA_DIR; default ./civicsync-data).")
    var dataDir: String?

    @Option(name: .customLong("database-url"),
            help: "PostgreSQL database to use instead of the embedded SQLite store, postgres://USER:PASSWORD@HOST:PORT/DATABASE (env CIVICSYNC_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "This instance's name in logs, metrics, /v1/health and the journal (env CIVICSYNC_INSTANCE; default HOST-PID).")
    var instance: String?

    var resolved: String {
        dataDir ?? ProcessInfo.processInfo.environment["CIVICSYNC_DATA_DIR"] ?? "civicsync-data"
    }

    /// The PostgreSQL URL, if one is given (flag first, then the environment).
    func postgresURL() throws -> DatabaseURL? {
        guard let text = databaseURL ?? ProcessInfo.processInfo.environment["CIVICSYNC_DATABASE_URL"], !text.isEmpty else { return nil }
        return try DatabaseURL(text)
    }

    var instanceName: String {
        instance ?? ProcessInfo.processInfo.environment["CIVICSYNC_INSTANCE"]
            ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Where the store is, for messages (the URL without its password).
    var location: String {
        if let url = try? postgresURL() { return url.description }
        return resolved
    }

    /// Opens the store: PostgreSQL (migrated to this build's schema, the working copy caught
    /// up) or the embedded SQLite store.
    func open(policy: AccessPolicy = AccessPolicy(), quota: UsageQuota = .standard, maximumConnections: Int = 8,
              logger: Logger = Logger(label: "civicsync.postgres")) async throws -> any AdministeredStorage {
        if let url = try postgresURL() {
            return try await PostgresSyncStorage.open(url: url, directory: resolved, instance: instanceName, policy: policy,
                                                      quota: quota, maximumConnections: maximumConnections, logger: logger)
        }
        return try SQLiteSyncStorage.open(directory: resolved, policy: policy, quota: quota)
    }

    /// Where tokens are kept: on PostgreSQL the database itself (no working copy needed).
    func openTokens() async throws -> (store: any TokenStore, close: @Sendable () -> Void) {
        if let url = try postgresURL() {
            let journal = PostgresJournal(url: url, maximumConnections: 2)
            do {
                try await journal.migrate()
            } catch {
                journal.shutdown()
                throw error
            }
            return (journal, { journal.shutdown() })
        }
        return (try SQLiteSyncStorage.open(directory: resolved), {})
    }
}
