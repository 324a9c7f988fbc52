import SyncCore
import GRDB

/// Accepted reform tasks ranked by the monthly budget execution committee's investment
/// priority (1 first), then by the day they were reported; tasks not ranked yet come last.
public struct BudgetReport: HQReport, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        /// Position in the list, 1-based.
        public var rank: Int
        public var caseID: String
        public var ref: String?
        public var title: String?
        public var area: String?
        public var cause: String?
        public var branch: String?
        /// `accepted` or `implemented`.
        public var status: String
        public var reportedOn: String?
        /// The committee's priority (nil: not ranked yet).
        public var budgetPriority: Int?
    }

    public var period: String
    public var branch: String?
    /// Accepted tasks without a budget priority yet.
    public var unranked: Int
    public var rows: [Row]

    static func compute(_ reports: HQReports, _ db: Database) throws -> BudgetReport {
        let accepted = try reports.cases(db).filter { $0.status == "accepted" || $0.status == "implemented" }.sorted {
            ($0.budgetPriority == nil ? 1 : 0, $0.budgetPriority ?? 0, $0.reportedOn ?? "", $0.ref ?? "", $0.id)
                < ($1.budgetPriority == nil ? 1 : 0, $1.budgetPriority ?? 0, $1.reportedOn ?? "", $1.ref ?? "", $1.id)
        }
        return BudgetReport(period: reports.period.description, branch: reports.branch,
                            unranked: accepted.filter { $0.budgetPriority == nil }.count,
                            rows: accepted.enumerated().map { index, fact in
                                Row(rank: index + 1, caseID: fact.id, ref: fact.ref, title: fact.title, area: fact.area, cause: fact.cause,
                                    branch: fact.branch, status: fact.status, reportedOn: fact.reportedOn, budgetPriority: fact.budgetPriority)
                            })
    }

    /// `rank,caseID,ref,title,area,cause,branch,status,reportedOn,budgetPriority`.
    public var csv: CSVTable {
        CSVTable(header: ["rank", "caseID", "ref", "title", "area", "cause", "branch", "status", "reportedOn", "budgetPriority"],
                 rows: rows.map {
                     [String($0.rank), $0.caseID, ReportMath.cell($0.ref), ReportMath.cell($0.title), ReportMath.cell($0.area),
                      ReportMath.cell($0.cause), ReportMath.cell($0.branch), $0.status, ReportMath.cell($0.reportedOn),
                      ReportMath.cell($0.budgetPriority)]
                 })
    }
}
