import ArgumentParser
import FieldClient

struct CouncilRemoveMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-member",
        abstract: "Remove members from a council's electorate.",
        discussion: """
        Examples:
          field council remove-member practical lim
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Council id.") var council: String
    @Argument(help: "Member ids.") var members: [String]

    func run() throws {
        let view = try replica.open().councilMembers(council, remove: members)
        if output.json { try CLI.printJSON(view); return }
        printCouncil(view)
    }
}
