import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver renew-epoch`: declares the store restored. Needed after restoring a PostgreSQL
/// database from a dump (or an embedded store by copying files by hand); `syncserver restore`
/// does it itself.
struct RenewEpochCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew-epoch",
        abstract: "Give the store a new epoch after restoring it by other means than `syncserver restore`.",
        discussion: """
        Replicas remember the epoch of the server they sync with; when it changes they send every
        change of their own again and pull from the beginning, so operations a restored store
        lost come back from the replicas that hold them. Run it with every instance stopped
        (instances read the epoch when they start).

        Examples:
          syncserver renew-epoch --database-url postgres://civicsync@127.0.0.1:5432/civicsync
          syncserver renew-epoch --data-dir ./civicsync-data
        """)

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            let epoch: String
            if let url = try data.postgresURL() {
                let journal = PostgresJournal(url: url, maximumConnections: 1)
                defer { journal.shutdown() }
                try await journal.migrate()
                epoch = SystemIDSource().randomToken(length: 20)
                try await journal.renewEpoch(epoch)
            } else {
                let lock = try DirectoryLock(directory: data.resolved)
                defer { withExtendedLifetime(lock) {} }
                epoch = try SQLiteSyncStorage.open(directory: data.resolved).renewEpoch()
            }
            if json {
                CommandOutput.printJSON(.object(["epoch": .string(epoch), "store": .string(data.location)]))
            } else {
                CommandOutput.print("\(data.location) has a new epoch: \(epoch); replicas send their own changes again at their next sync")
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
