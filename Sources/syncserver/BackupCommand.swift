import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver backup --to FILE`: a consistent copy of the embedded store, taken while the
/// server serves (SQLite's `VACUUM INTO`). On PostgreSQL the database's own tools do this
/// (`pg_dump`; docs/OPERATIONS.md).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the store to a file, while the server serves.",
        discussion: """
        The copy is one SQLite file, compacted, as one moment of the store saw it; the server
        goes on serving meanwhile. `syncserver restore --from FILE` puts it back. The file must
        not exist. On PostgreSQL, use pg_dump (docs/OPERATIONS.md).

        Examples:
          syncserver backup --data-dir ./civicsync-data --to /backups/civicsync-2026-11-29.sqlite
        """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "The file to write (must not exist).") var to: String
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            if try data.postgresURL() != nil {
                throw SyncError(.invalidValue, "on PostgreSQL, back up the database with its own tools (pg_dump -Fc …; docs/OPERATIONS.md); after restoring a dump run `syncserver renew-epoch`")
            }
            let storage = try SQLiteSyncStorage.open(directory: data.resolved)
            let record = try storage.backup(to: to, at: SystemWallClock().nowMilliseconds())
            if json {
                CommandOutput.printJSON(.object([
                    "path": .string(record.path), "bytes": .int(record.bytes), "operations": .int(Int64(record.operations)),
                    "epoch": .string(record.epoch), "takenAt": .int(record.takenAt),
                ]))
            } else {
                CommandOutput.print("backed up \(record.operations) operations to \(record.path) (\(ByteCount.text(record.bytes)))")
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}

/// Sizes for people: "12.4 MB".
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        if bytes < 1_000 { return "\(bytes) B" }
        if bytes < 1_000_000 { return String(format: "%.1f kB", Double(bytes) / 1_000) }
        if bytes < 1_000_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        return String(format: "%.2f GB", Double(bytes) / 1_000_000_000)
    }
}
