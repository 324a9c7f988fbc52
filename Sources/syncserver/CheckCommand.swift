import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver check`: verifies the store's integrity and that everything derived from the log
/// is what the log gives; one line of verdict, exit status 3 on damage.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the store (integrity, merge state, materialised tables, grants); exit 3 on damage.",
        discussion: """
        Runs SQLite's integrity_check on the store, then, on a consistent copy taken while the
        server serves (in --work-dir, removed afterwards), checks that the kept digest equals the
        merge rows, that the merge rows, materialised tables and conflicts equal a rebuild from
        the log, that every visibility grant the rules give is there, and that the per-audience
        digests are right. Prints one line: `ok: …` (exit 0) or `damaged: …` (exit 3); 1 when
        the check itself could not run.

        With --repair (the server stopped), what is derived from the log is rebuilt in place;
        a file that fails integrity_check is not repaired: restore it from a backup.
        On PostgreSQL, this checks this instance's working copy after catching it up with the
        database's journal (delete the working copy to have it rebuilt).

        Examples:
          syncserver check --data-dir ./civicsync-data
          syncserver check --data-dir ./civicsync-data --repair --json
        """)

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Rebuild what is damaged (the server must be stopped).") var repair = false
    @Option(help: "Where the temporary copy goes (default: the system's temporary directory).") var workDir: String?
    @Flag(help: "Print the verdict as JSON.") var json = false

    func run() async throws {
        let report: SQLiteSyncStorage.CheckReport
        do {
            let workDirectory = workDir ?? NSTemporaryDirectory()
            let clock = SystemWallClock()
            if try data.postgresURL() != nil {
                if repair {
                    throw SyncError(.invalidValue, "on PostgreSQL the records are in the database: a damaged working copy is repaired by deleting it (the instance rebuilds it from the journal at start)")
                }
                let storage = try await data.open()
                defer { storage.close() }
                guard let postgres = storage as? PostgresSyncStorage else { throw SyncError(.storage, "not a PostgreSQL store") }
                report = try postgres.local.check(workDirectory: workDirectory, clock: clock)
            } else {
                guard FileManager.default.fileExists(atPath: (data.resolved as NSString).appendingPathComponent(SQLiteSyncStorage.fileName)) else {
                    throw SyncError(.notFound, "\(data.resolved) holds no store")
                }
                let lock = repair ? try DirectoryLock(directory: data.resolved) : nil
                defer { withExtendedLifetime(lock) {} }
                let storage = try SQLiteSyncStorage.open(directory: data.resolved)
                var checked = try storage.check(workDirectory: workDirectory, clock: clock)
                if repair && !checked.isSound {
                    guard !checked.problems.contains(where: { $0.hasPrefix("SQLite integrity") }) else {
                        throw SyncError(.storage, "the file itself is damaged (\(checked.problems[0])); it cannot be repaired in place: restore the last backup (`syncserver restore`)")
                    }
                    try storage.repairDerivedState()
                    let again = try storage.check(workDirectory: workDirectory, clock: clock)
                    guard again.isSound else {
                        throw SyncError(.storage, "the repair did not help: \(again.problems.joined(separator: "; ")); restore the last backup")
                    }
                    checked.repaired = true
                }
                report = checked
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            CommandOutput.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let seconds = String(format: "%.1f s", Double(report.milliseconds) / 1000)
            if report.isSound {
                CommandOutput.print("ok: \(report.operations) operations, \(report.entities) entities; \(report.checked.joined(separator: ", ")) (\(seconds))")
            } else if report.repaired {
                CommandOutput.print("repaired: \(report.problems.joined(separator: "; ")); rebuilt from the log and checked again (\(seconds))")
            } else {
                CommandOutput.print("damaged: \(report.problems.joined(separator: "; ")); run `syncserver check --repair` with the server stopped, or restore a backup (\(seconds))")
            }
        }
        if !report.isSound && !report.repaired { throw ExitCode(3) }
    }
}
