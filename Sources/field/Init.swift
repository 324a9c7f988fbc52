import ArgumentParser
import FieldClient
import SyncCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a replica file for a member with a role.",
        discussion: """
        Creates a new replica (never overwrites an existing file) owned by --member, who is also
        registered as a member. Roles: hq, branch (needs --branch), monitor (external or internal).
        --prefix starts this replica's case references (BSN → BSN-2026-0001); give every replica
        its own prefix so references stay unique without coordination.

        Examples:
          field init --member kim --name "Kim Min-ji" --role branch --branch busan --prefix BSN
          field init --member lee --name "Lee Jun" --role monitor --monitor-kind external-monitor --prefix LEE
          field --replica hq.replica init --member hq1 --name "HQ desk" --role hq --prefix HQ
          field init --member prof-han --name "Prof. Han" --role expert --prefix HAN
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Your member id (letters, digits, '-', '_', '.').") var member: String
    @Option(help: "Your name.") var name: String
    @Option(help: "hq, branch, monitor or expert (an outside expert of a consultation council).") var role: String
    @Option(help: "Your branch (required for --role branch).") var branch: String?
    @Option(help: "external-monitor (default) or internal-monitor, for monitors.") var monitorKind: String?
    @Option(help: "Your division.") var division: String?
    @Option(help: "Case reference prefix, 2-8 capitals or digits (default: from the replica id).") var prefix: String?

    func run() throws {
        guard let role = Role(rawValue: role) else {
            throw SyncError(.invalidValue, "unknown role '\(role.prefix(20))'; use hq, branch, monitor or expert")
        }
        let setup = FieldReplica.Setup(memberID: member, name: name, role: role, branch: branch, monitorKind: monitorKind,
                                       division: division, refPrefix: prefix)
        let made = try FieldReplica.create(path: replica.path, setup: setup, wallClock: CLI.wallClock, ids: CLI.ids)
        let status = try made.status()
        if output.json { try CLI.printJSON(status); return }
        print("created replica \(status.identity.replicaID) at \(replica.path) for \(status.identity.memberID) (\(role.rawValue)); case references \(status.identity.refPrefix)-YYYY-NNNN")
    }
}
