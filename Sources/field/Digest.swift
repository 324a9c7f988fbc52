import ArgumentParser
import FieldClient

struct Digest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the replica's state digest.",
        discussion: """
        Two replicas that have seen the same operations print the same digest, whatever the
        order the operations arrived in.

        Examples:
          field digest
          field digest --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let digest = try replica.open().digest()
        if output.json { try CLI.printJSON(["digest": digest]); return }
        print(digest)
    }
}
