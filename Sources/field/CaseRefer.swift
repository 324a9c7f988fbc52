import ArgumentParser
import FieldClient

struct CaseRefer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refer",
        abstract: "Refer a case onward (default: the inter-ministry joint committee).",
        discussion: """
        --on gives the day it was referred when it is typed later (default: today).

        Examples:
          field case refer BSN-2026-0001
          field case refer BSN-2026-0001 --to "Ministry of Land joint committee"
          field case refer BSN-2026-0001 --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "Where the case goes.") var to: String?
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let result = try replica.open().refer(target.caseRef, to: to, on: on)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "referred")
    }
}
