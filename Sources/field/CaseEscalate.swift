import ArgumentParser
import FieldClient

struct CaseEscalate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escalate",
        abstract: "Move a case not solved at its step up to the next step.",
        discussion: """
        Step 4 is the top: a case there is referred onward with `field case refer` instead.

        Examples:
          field case escalate BSN-2026-0001
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget

    func run() throws {
        let result = try replica.open().escalate(target.caseRef)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "escalated to")
    }
}
