import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Fill an HQ replica with a realistic, seeded data set (demos, reports, load tests).",
        discussion: """
        Creates the replica (an HQ replica owned by --member) or fills an existing,
        empty HQ replica with a data set shaped like the case study: 12 branches,
        about 1,000 monitors, a pilot year and a main year (--year) of cases moving up
        the ladder, meetings with attendance, motions with votes, consultations with
        replies. The same --seed and --scale give the same data (and the same `field
        digest`). Scale 1 is about 120,000 operations; the volume grows linearly
        (scale 20: about two million).

        Examples:
          field generate --replica demo.replica
          field generate --replica big.replica --seed 7 --scale 10 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "Volume factor, 0.01 to 1000 (1 ≈ 120,000 operations).") var scale: Double = 1
    @Option(help: "The main year (the year before is the pilot year).") var year = 2025
    @Option(help: "Operations per transaction.") var batchSize = 5_000
    @Option(help: "Member id of the HQ owner, when the replica is created.") var member = "hq"
    @Option(help: "Name of the HQ owner, when the replica is created.") var name = "Headquarters"

    struct Result: Codable {
        var path: String
        var created: Bool
        var summary: DataSetSummary
        var seconds: Double
        var operationsPerSecond: Int
        var digest: String
    }

    func run() throws {
        let generator = DataSetGenerator(seed: seed, scale: scale, year: year)
        try generator.validate()
        guard batchSize >= 1 else { throw SyncError(.invalidValue, "--batch-size must be at least 1") }
        let path = replica.path
        let created = !FileManager.default.fileExists(atPath: path)
        let target: FieldReplica
        if created {
            target = try FieldReplica.create(path: path, setup: .init(memberID: member, name: name, role: .hq, refPrefix: "HQ"),
                                             wallClock: CLI.wallClock, ids: CLI.ids)
        } else {
            target = try replica.open()
        }
        let interactive = isatty(STDERR_FILENO) == 1 && !output.json
        let start = DispatchTime.now().uptimeNanoseconds
        let summary: DataSetSummary
        do {
            summary = try target.loadDataSet(generator, batchSize: batchSize) { applied in
                if interactive { FileHandle.standardError.write(Data("\r\(applied) operations applied".utf8)) }
            }
        } catch {
            // A file we created a moment ago is ours: leave nothing half-filled behind.
            if created { FieldReplica.removeFiles(of: path) }
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        let result = Result(path: path, created: created, summary: summary, seconds: (seconds * 100).rounded() / 100,
                            operationsPerSecond: Int(Double(summary.operations) / max(seconds, 0.001)), digest: try target.digest())
        if output.json { try CLI.printJSON(result); return }
        print("""
        \(created ? "created" : "filled") \(path) with seed \(seed), scale \(scale): \(summary.firstDay) to \(summary.lastDay)
        operations:    \(summary.operations) in \(result.seconds) s (\(result.operationsPerSecond) ops/s)
        branches:      \(summary.branches) (\(summary.replicas) source replicas)
        members:       \(summary.members) (\(summary.externalMonitors) external monitors, \(summary.internalMonitors) internal, \(summary.staff) staff, \(summary.experts) experts)
        cases:         \(summary.cases) (\(summary.casesInYear) in \(summary.year))
        meetings:      \(summary.meetings); councils \(summary.councils); motions \(summary.motions); votes \(summary.votes)
        consultations: \(summary.consultations)
        digest:        \(result.digest)
        """)
    }
}
