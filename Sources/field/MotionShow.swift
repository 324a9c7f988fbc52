import ArgumentParser
import FieldClient

struct MotionShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a motion with every vote and its tally.",
        discussion: """
        Examples:
          field motion show mot-abc
          field motion show mot-abc --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String

    func run() throws {
        let view = try replica.open().motion(motion)
        if output.json { try CLI.printJSON(view); return }
        printMotion(view)
    }
}
