import SyncCore
import GRDB

/// The evaluation of divisions and of individuals: points and findings per division, best
/// first, with the best and the worst named (members without a division, `(none)`, are listed
/// but never named best or worst), then the people themselves in two rankings, because the
/// case study selects the best and worst individuals as well as departments: the agency's own
/// people (`staff`: staff and internal monitors) and, apart from them, the external monitors.
/// Members of kind `hq` and `expert` are in neither (see `IndividualRanking.insideKinds`).
///
/// Both rankings hold every member of their kinds in the branch filter (with nothing done in
/// the period too) and count, in the period: mileage points, findings (cases submitted, by
/// `reportedOn`) and solved cases (cases the member is the `assignee` of whose status is
/// `accepted` or `implemented`, also by the case's `reportedOn`).
public struct DivisionsReport: HQReport, Hashable {
    public var period: String
    public var branch: String?
    /// Best first (equal points share a rank).
    public var divisions: [DivisionRow]
    public var best: DivisionRow?
    public var worst: DivisionRow?
    /// Staff and internal monitors, best first.
    public var staff: IndividualRanking
    /// External monitors, best first.
    public var externalMonitors: IndividualRanking

    static func compute(_ reports: HQReports, _ db: Database) throws -> DivisionsReport {
        let tally = try PointsReport.tally(policy: reports.policy, period: reports.period, branch: reports.branch, db)
        let rows = PointsReport.divisions(tally)
        let named = rows.filter { $0.division != "(none)" }
        return DivisionsReport(period: reports.period.description, branch: reports.branch, divisions: rows,
                               best: named.first, worst: named.count > 1 ? named.last : nil,
                               staff: IndividualRanking.rank(kinds: IndividualRanking.insideKinds, tally),
                               externalMonitors: IndividualRanking.rank(kinds: IndividualRanking.outsideKinds, tally))
    }

    /// One table for divisions and people:
    /// `list,rank,division,member,name,kind,branch,points,members,findings,solved,mark`.
    /// `list` is `division` for the division rows (best first; `member`, `name`, `kind`,
    /// `branch` and `solved` empty), then `staff` and then `external-monitor` for the two
    /// rankings of individuals (best first; `members` empty, `division` the member's or empty).
    /// `mark` is `best`, `worst` or empty, within the row's list.
    public var csv: CSVTable {
        func mark(_ isBest: Bool, _ isWorst: Bool) -> String { isBest ? "best" : isWorst ? "worst" : "" }
        let divisionRows = divisions.map { row in
            ["division", String(row.rank), row.division, "", "", "", "", String(row.points), String(row.members),
             String(row.findings), "", mark(row == best, row == worst)]
        }
        func people(_ list: String, _ ranking: IndividualRanking) -> [[String]] {
            ranking.rows.map { row in
                [list, String(row.rank), ReportMath.cell(row.division), row.member, ReportMath.cell(row.name), ReportMath.cell(row.kind),
                 ReportMath.cell(row.branch), String(row.points), "", String(row.findings), String(row.solved),
                 mark(row == ranking.best, row == ranking.worst)]
            }
        }
        return CSVTable(header: ["list", "rank", "division", "member", "name", "kind", "branch", "points", "members", "findings",
                                 "solved", "mark"],
                        rows: divisionRows + people("staff", staff) + people("external-monitor", externalMonitors))
    }
}
