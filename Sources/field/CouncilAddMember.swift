import ArgumentParser
import FieldClient

struct CouncilAddMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-member",
        abstract: "Add members to a council's electorate.",
        discussion: """
        Examples:
          field council add-member practical choi lim
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Council id.") var council: String
    @Argument(help: "Member ids.") var members: [String]

    func run() throws {
        let view = try replica.open().councilMembers(council, add: members)
        if output.json { try CLI.printJSON(view); return }
        printCouncil(view)
    }
}
