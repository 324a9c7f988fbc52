import ArgumentParser
import FieldClient

struct MeetingShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a meeting with its agenda, attendance and debate subjects.",
        discussion: """
        Examples:
          field meeting show ws-0314
          field meeting show ws-0314 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String

    func run() throws {
        let view = try replica.open().meeting(meeting)
        if output.json { try CLI.printJSON(view); return }
        printMeeting(view)
    }
}
