import Foundation
import GRDB
import SyncCore
import CivilAffairs

/// W3: merging remote operations (`ReplicaStore.apply`, batches of 500 like pull pages)
/// against a plain UPSERT of the same changes, in memory and on files; then the same remote
/// batch merged into a file replica already holding the `--large-scale` demo data set
/// (1.17M operations at scale 10, generated with the library's generator) against an empty
/// file replica.
struct W3Merge {
    let options: Options
    let workspace: Workspace
    static let ratioTarget = 2.5
    static let rateTarget = 150_000.0
    static let largeTarget = 1.5

    func run() throws -> WorkloadResult {
        var result = WorkloadResult(id: .w3, title: "merge remote operations vs plain UPSERT")
        let edits = Edit.make(options.edits)
        let operations = try OperationSets.recorded(edits, replica: "remote")
        let changes = operations.map { (id: $0.entityID, field: $0.field, value: $0.value) }
        var modes: [Bool] = []
        if options.memory { modes.append(true) }
        if options.files { modes.append(false) }
        var worst: Double = 0
        for memory in modes {
            var plain: [Double] = [], core: [Double] = []
            for round in 0..<options.rounds {
                Log.progress("W3 \(memory ? "memory" : "files") round \(round + 1)/\(options.rounds)")
                let plainQueue = try Plain.prepared(workspace.queue(memory: memory, stem: "w3-plain"))
                plain.append(try Timing.seconds { try Plain.upsert(changes, batch: 500, into: plainQueue) })
                let store = try workspace.replica(memory: memory)
                core.append(try Timing.seconds { try store.applyInBatches(operations) })
            }
            let storage = memory ? "memory" : "files"
            let ratio = Timing.median(core) / Timing.median(plain)
            let rate = Double(operations.count) / Timing.median(core)
            worst = max(worst, ratio)
            result.measures.append(Measure(
                name: "merge, \(storage)",
                figure: "\(Format.count(rate)) ops/s; SyncCore \(Format.seconds(Timing.median(core))), plain \(Format.seconds(Timing.median(plain)))",
                ratio: ratio, perSecond: rate, target: "<= \(Self.ratioTarget)x", met: ratio <= Self.ratioTarget,
                extra: [("synccore_seconds", .number(Timing.median(core))), ("plain_seconds", .number(Timing.median(plain))),
                        ("operations", .int(operations.count)), ("storage", .string(storage))]))
            if memory {
                result.perSecond = rate
                result.measures.append(Measure(
                    name: "merge rate, memory", figure: "\(Format.count(rate)) ops/s", perSecond: rate,
                    target: ">= \(Format.count(Self.rateTarget)) ops/s", met: rate >= Self.rateTarget))
            }
        }
        result.ratio = worst
        result.notes.append("\(Format.count(operations.count)) operations of one remote replica (\(Format.count(edits.count)) edits over \(Format.count(max(1, edits.count / 10))) cases), "
                            + "batches of 500, median of \(options.rounds); the plain side UPSERTs each change into a plain table; "
                            + "headline ratio: the worse of memory and files, per_second: in memory")
        try large(into: &result)
        return result
    }

    /// The same remote batch (fresh operations each round) into the big store and into an empty one.
    private func large(into result: inout WorkloadResult) throws {
        let path = workspace.path("w3-large", ext: "replica")
        Log.progress("W3 generating the scale \(Self.scaleText(options.largeScale)) data set into a file replica")
        let generator = DataSetGenerator(seed: 1, scale: options.largeScale)
        var generated = 0
        let generation = try Timing.seconds {
            let store = try ReplicaStore.open(path: path, create: ReplicaID("bigstore")!, schema: .civic)
            var reported = 0
            let summary = try store.load(generator) { applied in
                if applied - reported >= 200_000 {
                    reported = applied
                    Log.progress("W3 … \(Format.count(applied)) operations")
                }
            }
            generated = summary.operations
            try store.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try (store.writer as? DatabaseQueue)?.close()
        }
        let held = try {
            let store = try ReplicaStore.open(path: path, schema: .civic)
            defer { try? (store.writer as? DatabaseQueue)?.close() }
            return try store.writer.read { db in try store.operationCount(db) }
        }()
        result.measures.append(Measure(
            name: "replica load of scale \(Self.scaleText(options.largeScale))",
            figure: "\(Format.count(Double(generated) / generation)) ops/s: \(Format.count(generated)) operations in \(Format.seconds(generation)) (ReplicaStore.load, batches of 5,000)",
            perSecond: Double(generated) / generation,
            extra: [("operations", .int(generated)), ("seconds", .number(generation))]))

        let edits = Edit.make(options.edits, seed: 99)
        var empty: [Double] = [], big: [Double] = []
        for round in 0..<options.rounds {
            Log.progress("W3 big store round \(round + 1)/\(options.rounds)")
            // Operations no store has seen yet, every round.
            let operations = try OperationSets.recorded(edits, replica: "incoming\(round)")
            let emptyPath = workspace.path("w3-empty", ext: "replica")
            let emptyStore = try ReplicaStore.open(path: emptyPath, create: ReplicaID("emptystore")!, schema: .civic)
            empty.append(try Timing.seconds { try emptyStore.applyInBatches(operations) })
            try (emptyStore.writer as? DatabaseQueue)?.close()
            workspace.remove(database: emptyPath)
            // Opened as `field` opens it: ReplicaStore.open with the default page cache.
            let bigStore = try ReplicaStore.open(path: path, schema: .civic)
            big.append(try Timing.seconds { try bigStore.applyInBatches(operations) })
            try (bigStore.writer as? DatabaseQueue)?.close()
        }
        let ratio = Timing.median(big) / Timing.median(empty)
        let count = Double(options.edits)
        result.measures.append(Measure(
            name: "merge into a \(Format.count(held))-op store vs empty (files)",
            figure: "\(Format.count(count / Timing.median(big))) ops/s vs \(Format.count(count / Timing.median(empty))) ops/s; \(Format.seconds(Timing.median(big))) vs \(Format.seconds(Timing.median(empty)))",
            ratio: ratio, perSecond: count / Timing.median(big), target: "<= \(Self.largeTarget)x", met: ratio <= Self.largeTarget,
            extra: [("store_operations", .int(held)), ("large_seconds", .number(Timing.median(big))),
                    ("empty_seconds", .number(Timing.median(empty)))]))
        result.notes.append("big store: scale \(Self.scaleText(options.largeScale)) demo data set (seed 1) in a file replica; each round merges "
                            + "\(Format.count(options.edits)) new operations in batches of 500 into it and into an empty file replica, both opened with ReplicaStore.open")
        workspace.remove(database: path)
    }

    static func scaleText(_ scale: Double) -> String { scale == scale.rounded() ? String(Int(scale)) : String(scale) }
}
