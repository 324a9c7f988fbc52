import ArgumentParser
import FieldClient

struct CaseRoute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route a case to its ladder step by cause.",
        discussion: """
        electronic-system → 1 weekly customer-satisfaction meeting; process, practice → 2 practical
        council; law-system → 3 consultation of outside experts; social-issue, conflict-of-interest,
        conflicting-systems → 4 minister's council (Schemas/routing.json).

        --on gives the day the case was routed when it is typed later (default: today); step
        times count from that date.

        Examples:
          field case route BSN-2026-0001
          field case route BSN-2026-0001 --on 2026-03-02 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let result = try replica.open().route(target.caseRef, on: on)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "routed to")
    }
}
