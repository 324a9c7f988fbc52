import SyncCore
import GRDB

/// Mileage points for headquarters: the period's leaderboard and the best monitors of each
/// month (rewarded every month), computed by `PointsReport` from merged facts.
public struct PointsSummaryReport: HQReport, Hashable {
    public struct Month: Codable, Sendable, Hashable {
        /// `YYYY-MM`.
        public var month: String
        /// The top `bestCount` ranks of the month (ties included, so it may hold more).
        public var best: [LeaderboardRow]
    }

    public var period: String
    public var branch: String?
    /// Points earned in the period by everyone.
    public var totalPoints: Int
    /// Members who earned points in the period.
    public var earners: Int
    /// The leaderboard, cut at the report's `leaderboardLimit` rows.
    public var leaderboard: [LeaderboardRow]
    public var bestCount: Int
    /// Each month of the period with points, oldest first.
    public var monthly: [Month]

    static func compute(_ reports: HQReports, _ db: Database) throws -> PointsSummaryReport {
        let entries = try PointsReport.ledger(policy: reports.policy, period: reports.period, branch: reports.branch, db)
        let members = try PointsReport.memberInfo(db)
        let ranked = PointsReport.rank(entries, members: members, limit: nil)
        var byMonth: [String: [PointsEntry]] = [:]
        for entry in entries { byMonth[String(entry.date.prefix(7)), default: []].append(entry) }
        let monthly = byMonth.keys.sorted().map { month in
            Month(month: month, best: PointsReport.rank(byMonth[month]!, members: members, limit: nil).filter { $0.rank <= reports.bestCount })
        }
        return PointsSummaryReport(period: reports.period.description, branch: reports.branch,
                                   totalPoints: entries.reduce(0) { $0 + $1.points }, earners: ranked.count,
                                   leaderboard: reports.leaderboardLimit.map { Array(ranked.prefix($0)) } ?? ranked,
                                   bestCount: reports.bestCount, monthly: monthly)
    }

    /// `list,month,rank,member,name,kind,branch,division,points,entries`: the leaderboard rows
    /// (`list` = `leaderboard`, `month` empty), then each month's best (`list` = `best`).
    public var csv: CSVTable {
        func cells(_ list: String, _ month: String, _ row: LeaderboardRow) -> [String] {
            [list, month, String(row.rank), row.member, ReportMath.cell(row.name), ReportMath.cell(row.kind),
             ReportMath.cell(row.branch), ReportMath.cell(row.division), String(row.points), String(row.entries)]
        }
        return CSVTable(header: ["list", "month", "rank", "member", "name", "kind", "branch", "division", "points", "entries"],
                        rows: leaderboard.map { cells("leaderboard", "", $0) }
                            + monthly.flatMap { month in month.best.map { cells("best", month.month, $0) } })
    }
}
