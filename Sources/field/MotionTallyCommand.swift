import ArgumentParser
import FieldClient

struct MotionTallyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Show a motion's tally: counts, quorum and outcome.",
        discussion: """
        Examples:
          field motion tally mot-abc
          field motion tally mot-abc --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String

    func run() throws {
        let tally = try replica.open().tally(motion)
        if output.json { try CLI.printJSON(tally); return }
        printTally(tally)
    }
}
