import ArgumentParser
import FieldClient

struct CaseRefer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refer",
        abstract: "Refer a case onward (default: the inter-ministry joint committee).",
        discussion: """
        Examples:
          field case refer BSN-2026-0001
          field case refer BSN-2026-0001 --to "Ministry of Land joint committee"
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "Where the case goes.") var to: String?

    func run() throws {
        let result = try replica.open().refer(target.caseRef, to: to)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "referred")
    }
}
