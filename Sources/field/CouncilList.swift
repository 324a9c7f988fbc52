import ArgumentParser
import FieldClient

struct CouncilList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List councils.",
        discussion: """
        Examples:
          field council list
          field council list --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let councils = try replica.open().councils()
        if output.json { try CLI.printJSON(councils); return }
        CLI.table(["ID", "MEMBERS", "NAME"], councils.map { [$0.id, String($0.members.count), $0.name.orDash] })
    }
}
