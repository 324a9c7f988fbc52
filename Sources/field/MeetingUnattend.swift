import ArgumentParser
import FieldClient

struct MeetingUnattend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unattend",
        abstract: "Remove a mistaken attendance entry (and its confirmation).",
        discussion: """
        Removes the entries this replica has seen; an entry recorded elsewhere and not yet synced
        stays (add wins).

        Examples:
          field meeting unattend ws-0314 choi
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Member id.") var member: String

    func run() throws {
        let view = try replica.open().unattend(meeting, member: member)
        if output.json { try CLI.printJSON(view); return }
        print("\(meeting): removed \(member); \(view.attendance.count) attending")
    }
}
