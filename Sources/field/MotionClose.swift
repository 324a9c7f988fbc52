import ArgumentParser
import FieldClient

struct MotionClose: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a motion; later votes do not count.",
        discussion: """
        With --enact, a motion that passed (on this replica's tally) takes effect on its case:
        accept/reject records the decision, escalate moves it up, refer refers it onward.
        --on gives the day it was closed when it is typed later (default: today); an enacted
        decision, escalation or referral gets the same date.

        Examples:
          field motion close mot-abc
          field motion close mot-abc --enact
          field motion close mot-abc --enact --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String
    @Flag(help: "Apply the motion's action to the case if it passed.") var enact = false
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let view = try replica.open().closeMotion(motion, enact: enact, on: on)
        if output.json { try CLI.printJSON(view); return }
        print("closed \(motion)\(view.closedOn.map { " on \($0)" } ?? "")")
        printTally(view.tally)
    }
}
