import ArgumentParser
import FieldClient

struct MeetingAttend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Record that members attended a meeting.",
        discussion: """
        Recording the same attendance on two devices counts it once after they sync. They
        attended on the meeting's date, or with --on on another day (a workshop over several
        days); points are dated by that day.

        Examples:
          field meeting attend ws-0314 lee park choi
          field meeting attend ws-0314 kim --on 2026-03-15
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Member ids.") var members: [String]
    @Option(help: "The day they attended, YYYY-MM-DD (default: the meeting's date); not in the future.") var on: String?

    func run() throws {
        let view = try replica.open().attend(meeting, members: members, on: on)
        if output.json { try CLI.printJSON(view); return }
        print("\(meeting): \(view.attendance.count) attending")
    }
}
