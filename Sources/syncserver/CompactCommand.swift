import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver compact`: drops operations older than a duration whose effect the state holds.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Drop operations older than a duration whose effect the state holds (the server stopped).",
        discussion: """
        Compacts the longest stretch of the log, from its start, whose operations are all dated
        more than --older-than ago: their merge state is kept as a base, which of them were merged
        is kept as counter ranges per replica, and the operations themselves leave the log. Kept:
        the operations read as operations (a case's step history, a motion's votes and its
        closing), those held for a newer schema, and the last one. The state before and after
        must be equal, row for row, or nothing changes.

        A replica whose pull cursor is older than the horizon, or to which an entity with
        compacted history becomes visible, is answered 410 cursor_compacted; `field sync` then
        takes a snapshot again, keeping its own operations not yet stored.

        The server must be stopped (the directory is locked while it serves); `syncserver serve
        --compact-older-than` compacts on a schedule instead. --vacuum rewrites the file to give
        the freed space back to the disk (without it, SQLite reuses it). Exit 1 on error.

        Examples:
          syncserver compact --data-dir ./civicsync-data --older-than 365d
          syncserver compact --data-dir ./civicsync-data --older-than 90d --vacuum --json
        """)

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Compact operations dated more than this long ago: a number and s, m, h, d or w (e.g. 365d).") var olderThan: String
    @Flag(help: "Rewrite the file afterwards to give the freed space back to the disk.") var vacuum = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let result: SQLiteSyncStorage.CompactionResult
        do {
            let age = try DurationText.milliseconds(olderThan)
            if try data.postgresURL() != nil {
                throw SyncError(.invalidValue, "compaction works on the embedded store; on PostgreSQL the journal is kept whole (docs/DEPLOY.md)")
            }
            guard FileManager.default.fileExists(atPath: (data.resolved as NSString).appendingPathComponent(SQLiteSyncStorage.fileName)) else {
                throw SyncError(.notFound, "\(data.resolved) holds no store")
            }
            let lock = try DirectoryLock(directory: data.resolved)
            defer { withExtendedLifetime(lock) {} }
            let clock = SystemWallClock()
            let storage = try SQLiteSyncStorage.open(directory: data.resolved)
            result = try storage.compact(olderThanMilliseconds: age, now: clock.nowMilliseconds(), vacuum: vacuum, clock: clock)
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            CommandOutput.print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        let report = result.compaction
        guard report.dropped > 0 else {
            CommandOutput.print("nothing to compact: no operation dated before \(CivilDate(millisecondsSinceEpoch: report.cutoffMilliseconds)) can leave the log (\(report.operationsBefore) operations)")
            return
        }
        let seconds = String(format: "%.1f s", Double(result.milliseconds) / 1000)
        var line = "compacted: \(report.dropped) operations dropped, \(report.kept) kept, through log position \(report.horizon); log \(report.operationsBefore) → \(report.operationsAfter) operations; "
        line += "file \(ByteCount.text(result.bytesBefore)) → \(ByteCount.text(result.bytesAfter))"
        if !result.vacuumed { line += " (\(ByteCount.text(result.freeBytes)) free for reuse; --vacuum gives it back)" }
        CommandOutput.print(line + " (\(seconds))")
    }
}
