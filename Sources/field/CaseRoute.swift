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

        Examples:
          field case route BSN-2026-0001
          field case route BSN-2026-0001 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget

    func run() throws {
        let result = try replica.open().route(target.caseRef)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "routed to")
    }
}
