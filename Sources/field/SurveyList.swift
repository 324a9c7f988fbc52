import ArgumentParser
import FieldClient
import SyncCore

struct SurveyList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the survey results this replica holds.",
        discussion: """
        Examples:
          field survey list
          field survey list --branch busan --period 2005 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this branch's surveys.") var branch: String?
    @Option(help: "Surveyed periods within: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"

    func run() throws {
        let rows = try replica.open().surveys(branch: branch, period: CLI.period(period))
        if output.json { try CLI.printJSON(rows); return }
        CLI.table(["ID", "PERIOD", "SCORE", "SOURCE", "BRANCH", "AREA", "RESPONDENTS"], rows.map {
            [$0.id, $0.period.orDash, Self.score($0.score), $0.source.orDash, $0.branch ?? "(agency)", $0.area.orDash,
             $0.respondents.map(String.init) ?? "-"]
        })
    }

    static func score(_ value: Double?) -> String { value == nil ? "-" : SatisfactionReport.pointsText(value) }
}
