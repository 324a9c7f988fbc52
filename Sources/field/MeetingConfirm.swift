import ArgumentParser
import FieldClient

struct MeetingConfirm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "Confirm recorded attendance (staff); confirmed attendance earns points.",
        discussion: """
        Examples:
          field meeting confirm ws-0314 lee park
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Member ids.") var members: [String]

    func run() throws {
        let view = try replica.open().confirm(meeting, members: members)
        if output.json { try CLI.printJSON(view); return }
        print("\(meeting): \(view.attendance.filter(\.confirmed).count) confirmed")
    }
}
