import ArgumentParser
import FieldClient

struct CaseEscalate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalate",
        abstract: "Move a case not solved at its step up to the next step.",
        discussion: """
        Step 4 is the top: a case there is referred onward with `field case refer` instead.

        --on gives the day it moved up when it is typed later (default: today); step times use
        that date.

        Examples:
          field case escalate BSN-2026-0001
          field case escalate BSN-2026-0001 --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let result = try replica.open().escalate(target.caseRef, on: on)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "escalated to")
    }
}
