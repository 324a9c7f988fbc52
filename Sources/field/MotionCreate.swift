import ArgumentParser
import FieldClient

struct MotionCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Put a motion (accept, reject, escalate, refer) on a case before a council.",
        discussion: """
        The quorum (votes needed, abstentions included) defaults to a majority of the council.
        The case reaches the milestone submitted-to-council, dated --on (default: today).

        Examples:
          field motion create BSN-2026-0001 --council practical --action accept
          field motion create BSN-2026-0001 --council ministers --action refer --quorum 5 --meeting mtg-0401
          field motion create BSN-2026-0001 --council pc --action refer --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Case id or reference.") var caseRef: String
    @Option(help: "Motion id (default: a fresh mot-… id).") var id: String?
    @Option(help: "Council id (its members are the electorate).") var council: String
    @Option(help: "accept, reject, escalate or refer.") var action: String
    @Option(help: "Votes needed for the result to stand.") var quorum: Int?
    @Option(help: "The meeting where it is put.") var meeting: String?
    @Option(help: "The day it was put to the council, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let motion = try replica.open().createMotion(id: id, case: caseRef, council: council, action: action, quorum: quorum, meeting: meeting, on: on)
        if output.json { try CLI.printJSON(motion); return }
        print("created motion \(motion.id) (quorum \(motion.tally.quorum))")
    }
}
