import ArgumentParser
import FieldClient

struct MemberShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one member.",
        discussion: """
        Examples:
          field member show lee
          field member show lee --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Member id.") var id: String

    func run() throws {
        let member = try replica.open().member(id)
        if output.json { try CLI.printJSON(member); return }
        printMember(member)
    }
}
