import ArgumentParser
import FieldClient

struct PointsBest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "The month's best monitors (rewarded every month).",
        discussion: """
        Lists the top --count ranks of the month (ties included).

        Examples:
          field points best --month 2026-03
          field points best --month 2026-03 --count 5 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "The month, YYYY-MM.") var month: String
    @Option(help: "How many ranks.") var count = 3

    func run() throws {
        let rows = try replica.open().bestMonitors(month: month, count: count, policy: CLI.policy(policy.policy))
        if output.json { try CLI.printJSON(rows); return }
        printLeaderboard(rows)
    }
}
