import Foundation
import GRDB
import SyncCore

/// W4: W3's operations delivered as the network delivers them: (a) with 30% re-deliveries,
/// (b) in reverse order, (c) as several concurrent writers' interleaved histories on the same
/// cases (conflicts, supersession); each against clean in-order delivery of as many operations
/// into a fresh replica, batches of 500.
struct W4MessyDelivery {
    let options: Options
    let workspace: Workspace
    static let target = 1.5

    func run() throws -> WorkloadResult {
        var result = WorkloadResult(id: .w4, title: "duplicates, reversed, concurrent writers vs clean delivery")
        let clean = try OperationSets.recorded(Edit.make(options.edits), replica: "remote")
        let variants: [(name: String, operations: [SyncOperation])] = [
            ("30% re-deliveries", OperationSets.withDuplicates(clean)),
            ("reversed", clean.reversed()),
            ("4 concurrent writers", try OperationSets.concurrentWriters(total: clean.count)),
        ]
        var modes: [Bool] = []
        if options.memory { modes.append(true) }
        if options.files { modes.append(false) }
        var worst: Double = 0
        for memory in modes {
            let storage = memory ? "memory" : "files"
            for variant in variants {
                var cleanTimes: [Double] = [], messyTimes: [Double] = []
                var conflicts = 0
                for round in 0..<options.rounds {
                    Log.progress("W4 \(variant.name), \(storage), round \(round + 1)/\(options.rounds)")
                    let cleanStore = try workspace.replica(memory: memory)
                    cleanTimes.append(try Timing.seconds { try cleanStore.applyInBatches(clean) })
                    let messyStore = try workspace.replica(memory: memory)
                    messyTimes.append(try Timing.seconds { try messyStore.applyInBatches(variant.operations) })
                    conflicts = try messyStore.conflicts().count
                }
                let ratio = Timing.median(messyTimes) / Timing.median(cleanTimes)
                worst = max(worst, ratio)
                let rate = Double(variant.operations.count) / Timing.median(messyTimes)
                result.measures.append(Measure(
                    name: "\(variant.name), \(storage)",
                    figure: "\(Format.count(rate)) ops/s; \(Format.seconds(Timing.median(messyTimes))) vs clean \(Format.seconds(Timing.median(cleanTimes)))"
                        + (conflicts > 0 ? "; \(Format.count(conflicts)) fields in conflict after" : ""),
                    ratio: ratio, perSecond: rate, target: "<= \(Self.target)x", met: ratio <= Self.target,
                    extra: [("seconds", .number(Timing.median(messyTimes))), ("clean_seconds", .number(Timing.median(cleanTimes))),
                            ("operations", .int(variant.operations.count)), ("conflicts_after", .int(conflicts)),
                            ("storage", .string(storage))]))
            }
        }
        result.ratio = worst
        let unique = Set(variants[0].operations.map(\.id)).count
        result.notes.append("\(Format.count(clean.count)) operations per delivery, batches of 500, median of \(options.rounds); "
                            + "re-deliveries: \(Format.count(unique)) distinct operations, the rest repeats of the last 1,000 delivered; "
                            + "concurrent writers: 4 replicas editing \(Format.count(max(10, clean.count / 40))) shared cases in transactions of 100, "
                            + "each seeing only its neighbour's previous round; headline ratio: the worst variant")
        return result
    }
}
