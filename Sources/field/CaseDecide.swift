import ArgumentParser
import FieldClient
import SyncCore

struct CaseDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Record the decision on a case (accept or reject) with its reason.",
        discussion: """
        Examples:
          field case decide BSN-2026-0001 accept --reason "Refund rule changed to 7 days"
          field case decide BSN-2026-0002 reject --reason "Already handled by case BSN-2026-0001"
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "accept or reject.") var decision: String
    @Option(help: "Why (shown to the submitter).") var reason: String

    func run() throws {
        guard decision == "accept" || decision == "reject" else {
            throw SyncError(.invalidValue, "unknown decision '\(decision.prefix(20))'; use accept or reject")
        }
        let result = try replica.open().decide(target.caseRef, accept: decision == "accept", reason: reason)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: decision == "accept" ? "accepted" : "rejected")
    }
}
