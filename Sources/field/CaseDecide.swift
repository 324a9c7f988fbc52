import ArgumentParser
import FieldClient
import SyncCore

struct CaseDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Record the decision on a case (accept or reject) with its reason.",
        discussion: """
        --on gives the day the decision was taken when it is typed later (default: today);
        reports (step times, reported back) use that date.

        Examples:
          field case decide BSN-2026-0001 accept --reason "Refund rule changed to 7 days"
          field case decide BSN-2026-0002 reject --reason "Already handled by case BSN-2026-0001"
          field case decide BSN-2026-0003 accept --reason "Agreed at Friday's meeting" --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "accept or reject.") var decision: String
    @Option(help: "Why (shown to the submitter).") var reason: String
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        guard decision == "accept" || decision == "reject" else {
            throw SyncError(.invalidValue, "unknown decision '\(decision.prefix(20))'; use accept or reject")
        }
        let result = try replica.open().decide(target.caseRef, accept: decision == "accept", reason: reason, on: on)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: decision == "accept" ? "accepted" : "rejected")
    }
}
