import ArgumentParser
import FieldClient

struct MeetingAttend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attend",
        abstract: "Record that members attended a meeting.",
        discussion: """
        Recording the same attendance on two devices counts it once after they sync.

        Examples:
          field meeting attend ws-0314 lee park choi
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Member ids.") var members: [String]

    func run() throws {
        let view = try replica.open().attend(meeting, members: members)
        if output.json { try CLI.printJSON(view); return }
        print("\(meeting): \(view.attendance.count) attending")
    }
}
