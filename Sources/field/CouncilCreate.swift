import ArgumentParser
import FieldClient

struct CouncilCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a council with its members.",
        discussion: """
        Examples:
          field council create --id experts --name "Consultation of outside experts" --member prof-han --member atty-seo
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Council id (default: a fresh cnl-… id).") var id: String?
    @Option(help: "Name.") var name: String
    @Option(help: "A member (repeatable).") var member: [String] = []

    func run() throws {
        let council = try replica.open().createCouncil(id: id, name: name, members: member)
        if output.json { try CLI.printJSON(council); return }
        print("created council \(council.id) with \(council.members.count) member(s)")
    }
}
