import SyncCore
import GRDB

/// Who finds the tasks: the share of cases by source (the case study: 6 of 72 tasks, 8.3%,
/// found by external monitors in 2004).
public struct SourceShareReport: HQReport, Hashable {
    public var period: String
    public var branch: String?
    /// Cases in the period.
    public var total: Int
    /// The five sources in `Domain.sources` order (zeros included), then any other value.
    public var rows: [ShareRow]

    static func compute(_ reports: HQReports, _ db: Database) throws -> SourceShareReport {
        let cases = try reports.cases(db)
        return SourceShareReport(period: reports.period.description, branch: reports.branch, total: cases.count,
                                 rows: HQReports.shares(cases.map(\.source), known: Domain.sources))
    }

    /// `source,count,percent`.
    public var csv: CSVTable {
        CSVTable(header: ["source", "count", "percent"],
                 rows: rows.map { [$0.key, String($0.count), ReportMath.cell($0.percent)] })
    }
}
