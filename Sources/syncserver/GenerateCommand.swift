import ArgumentParser
import Foundation
import SyncCore
import SyncServer

/// `syncserver generate`: fills a server's store with the seeded demo data set (SyncCore's
/// `DataSetGenerator`: a dozen branches, about a thousand monitors, two years of cases moving
/// up the ladder, meetings, votes, consultations), so the dashboard and the reports have
/// realistic figures. Runs beside HTTP, straight into the storage (same merge core and
/// visibility grants as a push, no access rules), one transaction per batch.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Fill the server's store with the seeded demo data set (refuses a non-empty store unless --force).")

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Seed: the same seed, scale and year give the same operations.") var seed: UInt64 = 1
    @Option(help: "Volume: 1 is about 100,000 operations (0.01 to 1000).") var scale: Double = 1
    @Option(help: "The main year; the year before it is the pilot year.") var year: Int = 2025
    @Option(help: "Operations per transaction.") var batch: Int = SQLiteSyncStorage.loadBatchSize
    @Flag(help: "Add to a store that already holds operations (operations already there are skipped).") var force = false
    @Flag(help: "Print the summary as JSON.") var json = false

    /// The `--json` answer: the generator's summary, what the store now holds, and where.
    struct Output: Encodable {
        var summary: DataSetSummary
        var storedOperations: Int
        var dataDir: String
    }

    func run() async throws {
        do {
            let generator = DataSetGenerator(seed: seed, scale: scale, year: year)
            try generator.validate()
            guard batch > 0 else { throw SyncError(.invalidValue, "--batch must be positive") }
            let storage = try await data.open()
            defer { storage.close() }
            let existing = try await storage.storedOperationCount()
            if existing > 0 && !force {
                throw SyncError(.conflict, "\(data.location) already holds \(existing) operations; use --force to add the data set anyway")
            }
            let started = ContinuousClock.now
            let json = self.json
            let summary = try await storage.loadDataSet(generator, batchSize: batch) { handled in
                // Batches are 50,000 by default: about every 100,000 operations.
                if !json && handled % 100_000 < batch {
                    FileHandle.standardError.write(Data("… \(handled) operations\n".utf8))
                }
            }
            let stored = try await storage.storedOperationCount()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let output = Output(summary: summary, storedOperations: stored, dataDir: data.location)
                CommandOutput.print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                CommandOutput.print("""
                    generated seed \(summary.seed), scale \(summary.scale), \(summary.firstDay) to \(summary.lastDay) \
                    into \(data.location) in \(String(format: "%.1f", seconds)) s
                      operations     \(summary.operations) (\(summary.replicas) replicas; the store now holds \(stored))
                      branches       \(summary.branches)
                      members        \(summary.members) (\(summary.externalMonitors) external and \(summary.internalMonitors) internal monitors, \
                    \(summary.staff) staff, \(summary.experts) experts)
                      cases          \(summary.cases) (\(summary.casesInYear) in \(summary.year))
                      meetings       \(summary.meetings), councils \(summary.councils), motions \(summary.motions), votes \(summary.votes)
                      consultations  \(summary.consultations)
                    """)
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
