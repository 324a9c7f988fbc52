import ArgumentParser
import FieldClient
import SyncCore

struct ReportPoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "Mileage points: the period's leaderboard and each month's best monitors.",
        discussion: """
        Points follow the policy (Table 1; --policy FILE for another). With --branch,
        only members of that branch. Equal points share a rank; a month's best list
        holds the top --count ranks, ties included.

        Examples:
          field report points --period 2025 --limit 10
          field report points --period 2025-Q1 --count 5 --csv
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Rows of the leaderboard.") var limit = 20
    @Option(help: "Ranks in each month's best list.") var count = 3

    func run() throws {
        let reports = try options.reports(policy: policy.policy, limit: limit, count: count)
        let report = try options.replica.open().report(reports, HQReports.points)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Points (\(report.totalPoints) points, \(report.earners) members)", reports)
        printLeaderboard(report.leaderboard)
        for month in report.monthly {
            print("\nbest of \(month.month): " + month.best.map { "\($0.rank). \($0.member) (\($0.points))" }.joined(separator: ", "))
        }
    }
}
