import Foundation
import GRDB
import SyncCore

/// W2: one edit per transaction on a file (WAL, synchronous FULL: every commit is durable)
/// against a plain one-row UPSERT commit. The two sides alternate within each round, so a
/// disk that slows down mid-run slows both.
struct W2SingleEditCommits {
    let options: Options
    let workspace: Workspace
    static let target = 1.3

    func run() throws -> WorkloadResult {
        var result = WorkloadResult(id: .w2, title: "one edit per transaction vs plain one-row commit (files)")
        let edits = Edit.make(options.commits, seed: 5)
        var plain: [Double] = [], core: [Double] = []
        for round in 0..<options.rounds {
            Log.progress("W2 round \(round + 1)/\(options.rounds)")
            let plainQueue = try Plain.prepared(workspace.queue(memory: false, stem: "w2-plain"))
            let store = try workspace.replica(memory: false)
            var plainTime = 0.0, coreTime = 0.0
            // Alternate in slices of 50 commits.
            for start in stride(from: 0, to: edits.count, by: 50) {
                let slice = edits[start..<min(start + 50, edits.count)]
                plainTime += try Timing.seconds {
                    for edit in slice {
                        try plainQueue.write { db in
                            try db.cachedStatement(sql: "INSERT INTO cases(id, \(edit.field)) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET \(edit.field) = excluded.\(edit.field)")
                                .execute(arguments: [edit.caseID, Plain.databaseValue(edit.value)])
                        }
                    }
                }
                coreTime += try Timing.seconds {
                    for edit in slice { try store.record([edit.write], author: "m-bench") }
                }
            }
            plain.append(plainTime)
            core.append(coreTime)
        }
        let ratio = Timing.median(core) / Timing.median(plain)
        let rate = Double(edits.count) / Timing.median(core)
        let plainRate = Double(edits.count) / Timing.median(plain)
        result.measures.append(Measure(
            name: "single-edit commits, files",
            figure: "\(Format.count(rate)) commits/s (plain \(Format.count(plainRate))/s); SyncCore \(Format.ms(Timing.median(core) * 1000 / Double(edits.count))) per commit, plain \(Format.ms(Timing.median(plain) * 1000 / Double(edits.count)))",
            ratio: ratio, perSecond: rate, target: "<= \(Self.target)x", met: ratio <= Self.target,
            extra: [("synccore_seconds", .number(Timing.median(core))), ("plain_seconds", .number(Timing.median(plain))),
                    ("commits", .int(edits.count))]))
        result.ratio = ratio
        result.perSecond = rate
        result.notes.append("\(Format.count(edits.count)) commits each side, median of \(options.rounds); WAL, synchronous FULL; sides alternate every 50 commits")
        return result
    }
}
