import ArgumentParser
import FieldClient

struct MeetingAgenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda",
        abstract: "Put cases on a meeting's agenda, or take them off with --remove.",
        discussion: """
        Examples:
          field meeting agenda mtg-1 BSN-2026-0001 BSN-2026-0002
          field meeting agenda mtg-1 BSN-2026-0002 --remove
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Meeting id.") var meeting: String
    @Argument(help: "Case ids or references.") var cases: [String]
    @Flag(help: "Take the cases off the agenda.") var remove = false

    func run() throws {
        let view = try replica.open().agenda(meeting, cases: cases, remove: remove)
        if output.json { try CLI.printJSON(view); return }
        print("agenda of \(meeting): \(view.agenda.isEmpty ? "(empty)" : view.agenda.joined(separator: ", "))")
    }
}
