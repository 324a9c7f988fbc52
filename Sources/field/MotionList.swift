import ArgumentParser
import FieldClient

struct MotionList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List motions.",
        discussion: """
        Examples:
          field motion list
          field motion list --case BSN-2026-0001 --open --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("case"), help: "Only motions on this case.") var caseRef: String?
    @Flag(help: "Only open motions.") var open = false

    func run() throws {
        let motions = try replica.open().motions(case: caseRef, openOnly: open)
        if output.json { try CLI.printJSON(motions); return }
        CLI.table(["ID", "CASE", "ACTION", "COUNCIL", "YES", "NO", "ABST", "OUTCOME"], motions.map {
            [$0.id, $0.caseRef ?? $0.caseID ?? "-", $0.tally.action.orDash, $0.tally.council.orDash, String($0.tally.yes),
             String($0.tally.no), String($0.tally.abstain), $0.tally.outcome]
        })
    }
}
