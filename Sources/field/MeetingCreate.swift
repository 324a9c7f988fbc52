import ArgumentParser
import FieldClient

struct MeetingCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a meeting of a kind, with a date, a branch and an agenda of cases.",
        discussion: """
        Monitors may create workshops; other kinds need a staff replica.

        Examples:
          field meeting create --kind weekly-satisfaction --title "Friday meeting" --date 2026-03-13 --case BSN-2026-0001
          field meeting create --id ws-0314 --kind workshop --title "Goods workshop" --date 2026-03-14 --branch busan
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Meeting id (default: a fresh mtg-… id).") var id: String?
    @Option(help: "Meeting kind.") var kind: String
    @Option(help: "Title.") var title: String
    @Option(help: "Date, YYYY-MM-DD.") var date: String
    @Option(help: "Branch (default: yours).") var branch: String?
    @Option(name: .customLong("case"), help: "A case on the agenda (repeatable).") var cases: [String] = []

    func run() throws {
        let meeting = try replica.open().createMeeting(id: id, kind: kind, title: title, date: date, branch: branch, agenda: cases)
        if output.json { try CLI.printJSON(meeting); return }
        print("created meeting \(meeting.id)")
    }
}
