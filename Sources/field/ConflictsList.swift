import ArgumentParser
import FieldClient

struct ConflictsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every field edited concurrently with its competing values.",
        discussion: """
        The value shown meanwhile is the newest; nothing is dropped until someone resolves it.

        Examples:
          field conflicts list
          field conflicts list --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let conflicts = try replica.open().conflicts()
        if output.json { try CLI.printJSON(conflicts); return }
        if conflicts.isEmpty { print("no conflicts"); return }
        for c in conflicts {
            print("\(c.entity.rawValue) \(c.entityID) \(c.field)\(c.key.isEmpty ? "" : " --key \(c.key)")")
            for candidate in c.competing {
                print("  [\(candidate.op)] \(candidate.value.canonicalJSON)  by \(candidate.author)")
            }
        }
    }
}
