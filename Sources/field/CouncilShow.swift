import ArgumentParser
import FieldClient

struct CouncilShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a council and its members.",
        discussion: """
        Examples:
          field council show practical
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Council id.") var council: String

    func run() throws {
        let view = try replica.open().council(council)
        if output.json { try CLI.printJSON(view); return }
        printCouncil(view)
    }
}
