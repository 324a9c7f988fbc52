import ArgumentParser
import FieldClient

struct CaseReexamine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reexamine",
        abstract: "Ask for a re-examination of a decided case (the customer is not satisfied).",
        discussion: """
        The submitter asks on their own replica, offline if need be, or staff record it
        for them. The case reopens (status in-arbitration) to a Consultation of
        Arbitrating Dispute: staff may name its dispute-arbitration meeting with
        --meeting (the case goes on its agenda). Then `field case arbitrate`.

        Examples:
          field case reexamine BSN-2026-0001 --reason "The allotment ignores our association's quota"
          field case reexamine BSN-2026-0001 --reason "…" --meeting mtg-arbitration-may --on 2026-05-02
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "Why the decision should be looked at again.") var reason: String
    @Option(help: "The dispute-arbitration meeting that will hear it (staff).") var meeting: String?
    @Option(help: "The day it was asked for, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let detail = try replica.open().requestReexamination(target.caseRef, reason: reason, meeting: meeting, on: on)
        if output.json { try CLI.printJSON(detail); return }
        print("\(detail.summary.ref ?? detail.summary.id): re-examination asked on \(detail.reexamination?.requestedOn ?? "?"); status \(detail.summary.status)")
    }
}
