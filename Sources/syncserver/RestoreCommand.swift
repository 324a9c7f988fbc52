import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver restore --from FILE`: puts a backup in place of a stopped server's store, with a
/// new epoch (replicas that saw newer operations push them again).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of the store (the server must be stopped).",
        discussion: """
        Checks that the file is a sound CivicSync server store, then puts it in place of the
        store in the data directory with a new epoch: at their next sync, replicas notice that
        the server's log is not the one they synced with, send every change of their own again
        (what the backup lacks is stored again) and pull from the beginning. A store that holds
        operations or tokens is replaced only with --force, and is then kept beside the restored
        one (server.sqlite.replaced-<time>), never deleted. Refused while a server runs on the
        directory. On PostgreSQL, restore the dump with pg_restore, then run
        `syncserver renew-epoch` (docs/OPERATIONS.md).

        Examples:
          syncserver restore --data-dir ./civicsync-data --from /backups/civicsync-2026-11-29.sqlite
          syncserver restore --data-dir ./civicsync-data --from old.sqlite --force
        """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "The backup to restore (a file written by `syncserver backup`).") var from: String
    @Flag(help: "Replace a store that holds operations or tokens (it is kept beside the restored one).") var force = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            if try data.postgresURL() != nil {
                throw SyncError(.invalidValue, "on PostgreSQL, restore the dump with pg_restore, then run `syncserver renew-epoch --database-url …` (docs/OPERATIONS.md)")
            }
            let lock = try DirectoryLock(directory: data.resolved)
            defer { withExtendedLifetime(lock) {} }
            let record = try SQLiteSyncStorage.restore(from: from, into: data.resolved, force: force, ids: SystemIDSource(),
                                                       at: SystemWallClock().nowMilliseconds())
            if json {
                CommandOutput.printJSON(.object([
                    "from": .string(record.from), "operations": .int(Int64(record.operations)),
                    "previousEpoch": .string(record.previousEpoch), "epoch": .string(record.epoch),
                    "replacedStoreKeptAt": record.replacedStoreKeptAt.map(JSONValue.string) ?? .null,
                ]))
            } else {
                var text = "restored \(record.operations) operations from \(record.from) into \(data.resolved); new epoch \(record.epoch)"
                if let kept = record.replacedStoreKeptAt { text += "\nthe store it replaced is kept at \(kept)" }
                text += "\nreplicas send their own changes again at their next sync; start the server"
                CommandOutput.print(text)
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
