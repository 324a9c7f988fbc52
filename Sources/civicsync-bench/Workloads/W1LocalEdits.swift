import Foundation
import GRDB
import SyncCore

/// W1: local field edits, transactions of 100, `ReplicaStore.record` against a plain prepared
/// UPSERT of the same changes; in memory and on files. Comment appends (a log field) against a
/// plain INSERT are reported beside them.
struct W1LocalEdits {
    let options: Options
    let workspace: Workspace
    static let target = 2.5

    func run() throws -> WorkloadResult {
        var result = WorkloadResult(id: .w1, title: "local field edits vs plain prepared UPSERT")
        let edits = Edit.make(options.edits)
        let batch = 100
        var modes: [Bool] = []
        if options.memory { modes.append(true) }
        if options.files { modes.append(false) }
        var worst: Double = 0
        for memory in modes {
            var plain: [Double] = [], core: [Double] = [], plainAppend: [Double] = [], coreAppend: [Double] = []
            for round in 0..<options.rounds {
                Log.progress("W1 \(memory ? "memory" : "files") round \(round + 1)/\(options.rounds)")
                let plainQueue = try Plain.prepared(workspace.queue(memory: memory, stem: "w1-plain"))
                plain.append(try Timing.seconds {
                    try Plain.upsert(edits.map { ($0.caseID, $0.field, $0.value) }, batch: batch, into: plainQueue)
                })
                let store = try workspace.replica(memory: memory)
                core.append(try Timing.seconds {
                    for start in stride(from: 0, to: edits.count, by: batch) {
                        try store.record(edits[start..<min(start + batch, edits.count)].map(\.write), author: "m-bench")
                    }
                })
                let plainComments = try Plain.prepared(workspace.queue(memory: memory, stem: "w1-plain"))
                plainAppend.append(try Timing.seconds { try Plain.insertComments(edits, batch: batch, into: plainComments) })
                let commentStore = try workspace.replica(memory: memory)
                coreAppend.append(try Timing.seconds {
                    for start in stride(from: 0, to: edits.count, by: batch) {
                        try commentStore.record((start..<min(start + batch, edits.count)).map {
                            FieldWrite.append(.case, edits[$0].caseID, "comments", "Comment number \($0) on this case")
                        }, author: "m-bench")
                    }
                })
            }
            let storage = memory ? "memory" : "files"
            let ratio = Timing.median(core) / Timing.median(plain)
            worst = max(worst, ratio)
            let rate = Double(edits.count) / Timing.median(core)
            result.measures.append(Measure(
                name: "field edits, \(storage)",
                figure: "\(Format.count(rate)) edits/s; SyncCore \(Format.seconds(Timing.median(core))), plain \(Format.seconds(Timing.median(plain)))",
                ratio: ratio, perSecond: rate, target: "<= \(Self.target)x", met: ratio <= Self.target,
                extra: [("synccore_seconds", .number(Timing.median(core))), ("plain_seconds", .number(Timing.median(plain))),
                        ("storage", .string(storage))]))
            if memory || result.perSecond == nil { result.perSecond = rate }
            let appendRatio = Timing.median(coreAppend) / Timing.median(plainAppend)
            let appendRate = Double(edits.count) / Timing.median(coreAppend)
            result.measures.append(Measure(
                name: "comment appends, \(storage)",
                figure: "\(Format.count(appendRate)) appends/s vs plain INSERT; SyncCore \(Format.seconds(Timing.median(coreAppend))), plain \(Format.seconds(Timing.median(plainAppend)))",
                ratio: appendRatio, perSecond: appendRate,
                extra: [("synccore_seconds", .number(Timing.median(coreAppend))), ("plain_seconds", .number(Timing.median(plainAppend))),
                        ("storage", .string(storage))]))
        }
        result.ratio = worst
        result.notes.append("\(Format.count(edits.count)) changes over \(Format.count(max(1, edits.count / 10))) cases, transactions of \(batch), "
                            + "median of \(options.rounds); files: WAL, synchronous FULL (ReplicaStore.fileConfiguration()); "
                            + "headline ratio: the worse of memory and files, per_second: in memory")
        return result
    }
}
