import ArgumentParser
import FieldClient
import SyncCore

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drop old operations written elsewhere from this replica's log; the state keeps their effect.",
        discussion: """
        Operations written on other replicas and dated more than --older-than ago leave the log
        (the longest stretch from its start); what they did stays in the state, and what the merge
        needs to treat them as already seen is kept. This replica's own operations always stay
        (after a server is restored from an older backup, it sends them all again), and so do a
        case's step changes, a motion's votes and its closing, and operations of a newer schema.
        The file is then rewritten to give the space back.

        `case show` still lists, of the dropped operations, those whose effect is still shown (a
        field's current value, a comment, a milestone); what they overwrote is gone.

        Examples:
          field compact --older-than 90d
          field compact --older-than 365d --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Compact operations dated more than this long ago: a number and s, m, h, d or w (e.g. 90d).") var olderThan: String

    func run() throws {
        let age = try DurationText.milliseconds(olderThan)
        let result = try replica.open().compact(olderThanMilliseconds: age)
        if output.json { try CLI.printJSON(result); return }
        let report = result.compaction
        guard report.dropped > 0 else {
            print("nothing to compact: no operation written elsewhere and dated before \(CivilDate(millisecondsSinceEpoch: report.cutoffMilliseconds)) can leave the log (\(report.operationsBefore) operations)")
            return
        }
        print("compacted: \(report.dropped) operations dropped, \(report.kept) kept; log \(report.operationsBefore) → \(report.operationsAfter) operations; file \(SyncStatus.bytes(result.bytesBefore)) → \(SyncStatus.bytes(result.bytesAfter))")
    }
}
