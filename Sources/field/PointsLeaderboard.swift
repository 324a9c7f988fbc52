import ArgumentParser
import FieldClient

struct PointsLeaderboard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "Members ranked by points in a period.",
        discussion: """
        Examples:
          field points leaderboard
          field points leaderboard --period 2026-03 --limit 10 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Period: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"
    @Option(help: "Show at most this many rows.") var limit: Int?

    func run() throws {
        let rows = try replica.open().leaderboard(period: CLI.period(period), limit: limit, policy: CLI.policy(policy.policy))
        if output.json { try CLI.printJSON(rows); return }
        printLeaderboard(rows)
    }
}
