import ArgumentParser
import FieldClient

struct MeetingList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List meetings.",
        discussion: """
        Examples:
          field meeting list
          field meeting list --kind workshop --period 2026-03 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this kind.") var kind: String?
    @Option(help: "Only this branch.") var branch: String?
    @Option(help: "Period: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"

    func run() throws {
        let meetings = try replica.open().meetings(kind: kind, branch: branch, period: CLI.period(period))
        if output.json { try CLI.printJSON(meetings); return }
        CLI.table(["ID", "DATE", "KIND", "BRANCH", "ATTENDED", "TITLE"], meetings.map {
            [$0.id, $0.date.orDash, $0.kind.orDash, $0.branch.orDash, String($0.attendance.count), $0.title.orDash]
        })
    }
}
