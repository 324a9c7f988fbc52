import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver migrate`: brings the store's schema to this build's. On PostgreSQL, applies the
/// missing versioned migrations in one transaction (instances also do it at start; running it
/// first lets an upgrade fail before any instance restarts). On the embedded store, opening it
/// upgrades it. Refuses a schema newer than this build's, changing nothing.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the store's schema to this build's version (refuses a newer one).")

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Print the result as JSON.") var json = false

    struct Output: Encodable {
        var store: String
        var location: String
        var fromVersion: Int?
        var toVersion: Int
    }

    func run() async throws {
        do {
            let output: Output
            if let url = try data.postgresURL() {
                let journal = PostgresJournal(url: url, maximumConnections: 1)
                defer { journal.shutdown() }
                let (from, to) = try await journal.migrate()
                output = Output(store: "postgresql", location: url.description, fromVersion: from, toVersion: to)
            } else {
                _ = try SQLiteSyncStorage.open(directory: data.resolved)
                output = Output(store: "sqlite", location: data.resolved, fromVersion: nil, toVersion: ReplicaSchema.engineVersion)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                CommandOutput.print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else if let from = output.fromVersion, from == output.toVersion {
                CommandOutput.print("\(output.location) is at schema version \(output.toVersion), this build's: nothing to do")
            } else if let from = output.fromVersion {
                CommandOutput.print("migrated \(output.location) from schema version \(from) to \(output.toVersion)")
            } else {
                CommandOutput.print("\(output.location) is up to date (engine tables version \(output.toVersion))")
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
