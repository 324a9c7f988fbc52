import ArgumentParser
import FieldClient

struct ConsultList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List consultations.",
        discussion: """
        Examples:
          field consult list
          field consult list --branch busan --period 2026-Q1 --unanswered --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this branch.") var branch: String?
    @Option(help: "Period of the date received: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"
    @Flag(help: "Only consultations not answered yet.") var unanswered = false

    func run() throws {
        let rows = try replica.open().consultations(branch: branch, unansweredOnly: unanswered, period: CLI.period(period))
        if output.json { try CLI.printJSON(rows); return }
        CLI.table(["ID", "RECEIVED", "ANSWERED", "CHANNEL", "BRANCH", "TOPIC"], rows.map {
            [$0.id, $0.receivedOn.orDash, $0.answeredOn.orDash, $0.channel.orDash, $0.branch.orDash, $0.topic.orDash]
        })
    }
}
