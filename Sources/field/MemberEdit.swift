import ArgumentParser
import FieldClient

struct MemberEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change a member's fields.",
        discussion: """
        Examples:
          field member edit lee --division monitoring-team
          field member edit lee --area goods --area services
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Member id.") var id: String
    @OptionGroup var fields: MemberFieldOptions

    func run() throws {
        let member = try replica.open().editMember(id, fields.fields)
        if output.json { try CLI.printJSON(member); return }
        print("updated member \(member.id)")
    }
}
