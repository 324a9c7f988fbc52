import SyncCore
import GRDB

/// Points and findings per division, for the evaluation of divisions: best first, with the
/// best and the worst named (members without a division, `(none)`, are listed but never
/// named best or worst).
public struct DivisionsReport: HQReport, Hashable {
    public var period: String
    public var branch: String?
    /// Best first (equal points share a rank).
    public var divisions: [DivisionRow]
    public var best: DivisionRow?
    public var worst: DivisionRow?

    static func compute(_ reports: HQReports, _ db: Database) throws -> DivisionsReport {
        let rows = try PointsReport.divisions(policy: reports.policy, period: reports.period, branch: reports.branch, db)
        let named = rows.filter { $0.division != "(none)" }
        return DivisionsReport(period: reports.period.description, branch: reports.branch, divisions: rows,
                               best: named.first, worst: named.count > 1 ? named.last : nil)
    }

    /// `rank,division,points,members,findings,mark`; `mark` is `best`, `worst` or empty.
    public var csv: CSVTable {
        CSVTable(header: ["rank", "division", "points", "members", "findings", "mark"], rows: divisions.map { row in
            let mark = row == best ? "best" : row == worst ? "worst" : ""
            return [String(row.rank), row.division, String(row.points), String(row.members), String(row.findings), mark]
        })
    }
}
