import ArgumentParser
import FieldClient

struct MotionVote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote",
        abstract: "Cast or change a vote: yes, no or abstain.",
        discussion: """
        Votes for you, or with --voter for another member (staff replicas recording a council).

        Examples:
          field motion vote mot-abc yes
          field motion vote mot-abc no --voter prof-han
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String
    @Argument(help: "yes, no or abstain.") var choice: String
    @Option(help: "The voter (default: you).") var voter: String?

    func run() throws {
        let view = try replica.open().vote(motion, choice, voter: voter)
        if output.json { try CLI.printJSON(view); return }
        print("recorded vote \(choice) on \(motion)")
        printTally(view.tally)
    }
}
