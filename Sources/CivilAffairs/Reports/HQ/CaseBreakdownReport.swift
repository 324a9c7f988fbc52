import SyncCore
import GRDB

/// Cases of a period by area, cause, step, status, source and branch: where the grievances
/// are, why, and how far up the ladder they went.
public struct CaseBreakdownReport: HQReport, Hashable {
    public var period: String
    public var branch: String?
    public var total: Int
    /// The five areas, in `Domain.areas` order.
    public var byArea: [ShareRow]
    /// The causes, in `Domain.causes` order.
    public var byCause: [ShareRow]
    /// Steps `1`...`4` with their names, then `(none)` for cases not routed yet.
    public var byStep: [ShareRow]
    /// `open`, `acknowledged`, `examined`, `in-council`, `referred`, `rejected`, `accepted`, `implemented`.
    public var byStatus: [ShareRow]
    public var bySource: [ShareRow]
    /// Branches by name (`(none)`: cases without a branch).
    public var byBranch: [ShareRow]

    /// Every status a case can have, from open to implemented.
    public static var statuses: [String] { Domain.caseStatuses }

    static func compute(_ reports: HQReports, _ db: Database) throws -> CaseBreakdownReport {
        let cases = try reports.cases(db)
        let steps = reports.routing.steps.map { String($0.step) }
        let names = Dictionary(uniqueKeysWithValues: reports.routing.steps.map { (String($0.step), $0.name) })
        return CaseBreakdownReport(
            period: reports.period.description, branch: reports.branch, total: cases.count,
            byArea: HQReports.shares(cases.map(\.area), known: Domain.areas),
            byCause: HQReports.shares(cases.map(\.cause), known: Domain.causes),
            byStep: HQReports.shares(cases.map { $0.step.map(String.init) }, known: steps, labels: names),
            byStatus: HQReports.shares(cases.map(\.status), known: statuses),
            bySource: HQReports.shares(cases.map(\.source), known: Domain.sources),
            byBranch: HQReports.shares(cases.map(\.branch), known: []))
    }

    /// The dimensions in output order, with their rows.
    public var dimensions: [(name: String, rows: [ShareRow])] {
        [("area", byArea), ("cause", byCause), ("step", byStep), ("status", byStatus), ("source", bySource), ("branch", byBranch)]
    }

    /// `dimension,key,label,count,percent`, one block of rows per dimension.
    public var csv: CSVTable {
        CSVTable(header: ["dimension", "key", "label", "count", "percent"], rows: dimensions.flatMap { dimension in
            dimension.rows.map { [dimension.name, $0.key, ReportMath.cell($0.label), String($0.count), ReportMath.cell($0.percent)] }
        })
    }
}
