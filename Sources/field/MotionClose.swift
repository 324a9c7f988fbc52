import ArgumentParser
import FieldClient

struct MotionClose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a motion; later votes do not count.",
        discussion: """
        With --enact, a motion that passed (on this replica's tally) takes effect on its case:
        accept/reject records the decision, escalate moves it up, refer refers it onward.

        Examples:
          field motion close mot-abc
          field motion close mot-abc --enact
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String
    @Flag(help: "Apply the motion's action to the case if it passed.") var enact = false

    func run() throws {
        let view = try replica.open().closeMotion(motion, enact: enact)
        if output.json { try CLI.printJSON(view); return }
        print("closed \(motion)")
        printTally(view.tally)
    }
}
