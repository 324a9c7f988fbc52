import ArgumentParser
import FieldClient

struct WhoAmI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami",
        abstract: "Show who owns this replica, where it is and how many local changes wait.",
        discussion: """
        Examples:
          field whoami
          field whoami --json
          CIVICSYNC_REPLICA=~/busan.replica field whoami
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let status = try replica.open().status()
        if output.json { try CLI.printJSON(status); return }
        let me = status.identity
        print("member:     \(me.memberID) (\(me.name))")
        print("role:       \(me.role.rawValue)\(me.monitorKind.map { " (\($0))" } ?? "")")
        print("branch:     \(me.branch.orDash)")
        print("division:   \(me.division.orDash)")
        print("replica:    \(me.replicaID) at \(status.path.orDash)")
        print("references: \(me.refPrefix)-YYYY-NNNN (\(me.caseCounter) made here)")
        print("waiting:    \(status.waiting) local change(s) not yet synced")
        print("rejected:   \(status.rejected)")
        print("operations: \(status.operations)")
        print("conflicts:  \(status.conflicts)")
    }
}
