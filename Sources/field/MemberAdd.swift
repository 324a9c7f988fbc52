import ArgumentParser
import FieldClient

struct MemberAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a member.",
        discussion: """
        Examples:
          field member add --id lee --name "Lee Jun" --kind external-monitor --affiliation citizen
          field member add --id prof-han --name "Han So-yeon" --kind expert --affiliation academia
          field member add --name "Park" --kind internal-monitor --division contracts --branch busan
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Member id (default: a fresh mem-… id).") var id: String?
    @OptionGroup var fields: MemberFieldOptions

    func run() throws {
        let member = try replica.open().addMember(id: id, fields.fields)
        if output.json { try CLI.printJSON(member); return }
        print("registered member \(member.id)")
    }
}
