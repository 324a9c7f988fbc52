import ArgumentParser
import FieldClient

struct MeetingConfirm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "Confirm recorded attendance (staff); confirmed attendance earns points.",
        discussion: """
        With --on, the members attended on that day rather than on the meeting's date.

        Examples:
          field meeting confirm ws-0314 lee park
          field meeting confirm ws-0314 kim --on 2026-03-15
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Member ids.") var members: [String]
    @Option(help: "The day they attended, YYYY-MM-DD (default: the meeting's date); not in the future.") var on: String?

    func run() throws {
        let view = try replica.open().confirm(meeting, members: members, on: on)
        if output.json { try CLI.printJSON(view); return }
        print("\(meeting): \(view.attendance.filter(\.confirmed).count) confirmed")
    }
}
