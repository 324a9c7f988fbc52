import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver status`: the store's size, log length, epoch and last backup.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the store's size, log length, epoch, last backup and compaction horizon (works while serving).")

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Print the status as JSON.") var json = false

    func run() async throws {
        do {
            let status: StoreStatus
            if let url = try data.postgresURL() {
                let journal = PostgresJournal(url: url, maximumConnections: 1)
                defer { journal.shutdown() }
                try await journal.checkSchema()
                status = try await journal.status()
            } else {
                guard FileManager.default.fileExists(atPath: (data.resolved as NSString).appendingPathComponent(SQLiteSyncStorage.fileName)) else {
                    throw SyncError(.notFound, "\(data.resolved) holds no store (run `syncserver serve` or `syncserver bootstrap` first)")
                }
                status = try SQLiteSyncStorage.open(directory: data.resolved).status(directory: data.resolved)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                CommandOutput.print(String(decoding: try encoder.encode(status), as: UTF8.self))
                return
            }
            var lines = [
                "store:       \(status.store) at \(status.location)",
                "epoch:       \(status.epoch)",
                "size:        \(ByteCount.text(status.bytes))",
                "log:         \(status.operations) operations" + (status.entities.map { ", \($0) entities" } ?? ""),
                "tokens:      \(status.tokens)" + (status.replicas.map { ", \($0) replicas have pushed" } ?? ""),
            ]
            if let backup = status.lastBackup {
                lines.append("last backup: \(CivilDate(millisecondsSinceEpoch: backup.takenAt)) \(backup.path) (\(backup.operations) operations, \(ByteCount.text(backup.bytes)))")
            } else if status.store == "sqlite" {
                lines.append("last backup: none (`syncserver backup --to FILE`)")
            } else {
                lines.append("last backup: kept by PostgreSQL's tools (pg_dump), not recorded here")
            }
            if let restored = status.restored { lines.append("restored:    \(restored)") }
            if let compaction = status.compaction {
                if compaction.horizon > 0, let at = compaction.lastCompactedMilliseconds {
                    let cutoff = compaction.cutoffMilliseconds.map { " (dated before \(CivilDate(millisecondsSinceEpoch: $0)))" } ?? ""
                    lines.append("compaction:  horizon at log position \(compaction.horizon)\(cutoff), \(compaction.compactedOperations) operations compacted, last on \(CivilDate(millisecondsSinceEpoch: at))")
                } else {
                    lines.append("compaction:  never (`syncserver compact --older-than 365d`)")
                }
            }
            CommandOutput.print(lines.joined(separator: "\n"))
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
