import ArgumentParser
import FieldClient

struct MemberList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List members.",
        discussion: """
        Examples:
          field member list
          field member list --kind expert --json
          field member list --branch busan
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this kind.") var kind: String?
    @Option(help: "Only this branch.") var branch: String?

    func run() throws {
        let members = try replica.open().members(kind: kind, branch: branch)
        if output.json { try CLI.printJSON(members); return }
        CLI.table(["ID", "KIND", "BRANCH", "DIVISION", "NAME"], members.map {
            [$0.id, $0.kind.orDash, $0.branch.orDash, $0.division.orDash, $0.name.orDash]
        })
    }
}
