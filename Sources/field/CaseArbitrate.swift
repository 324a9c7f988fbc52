import ArgumentParser
import FieldClient

struct CaseArbitrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbitrate",
        abstract: "Record the dispute arbitration's outcome on a re-examined case (HQ).",
        discussion: """
        The Consultation of Arbitrating Dispute is headquarters': only an HQ replica
        records the outcome (the branch whose decision is contested does not judge it).
        upheld: the decision stands; overturned: it is reversed (a rejection overturned
        is accepted and may be implemented). The reason is reported back to the
        submitter like any decision: record that with
        `field case milestone CASE arbitration-notified`.

        Examples:
          field case arbitrate BSN-2026-0001 --outcome overturned --reason "Quota shared 60/40 from July"
          field case arbitrate BSN-2026-0001 --outcome upheld --reason "…" --meeting mtg-arbitration-may --on 2026-05-20
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "upheld or overturned.") var outcome: String
    @Option(help: "The arbitration's reason, reported back to the submitter.") var reason: String
    @Option(help: "The dispute-arbitration meeting that decided it.") var meeting: String?
    @Option(help: "The day it was decided, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let detail = try replica.open().arbitrate(target.caseRef, outcome: outcome, reason: reason, meeting: meeting, on: on)
        if output.json { try CLI.printJSON(detail); return }
        print("\(detail.summary.ref ?? detail.summary.id): decision \(outcome) on \(detail.reexamination?.outcomeOn ?? "?"); status \(detail.summary.status)")
    }
}
