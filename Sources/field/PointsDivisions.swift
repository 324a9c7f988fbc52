import ArgumentParser
import FieldClient

struct PointsDivisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divisions",
        abstract: "Points and findings per division, best first (the last rows are the worst).",
        discussion: """
        The best and worst divisions and people are in field report divisions.

        Examples:
          field points divisions
          field points divisions --period 2026 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Period: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"

    func run() throws {
        let rows = try replica.open().divisionPoints(period: CLI.period(period), policy: CLI.policy(policy.policy))
        if output.json { try CLI.printJSON(rows); return }
        CLI.table(["RANK", "DIVISION", "POINTS", "MEMBERS", "FINDINGS"], rows.map {
            [String($0.rank), $0.division, String($0.points), String($0.members), String($0.findings)]
        })
    }
}
