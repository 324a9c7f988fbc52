import SyncCore
import GRDB

/// Reform tasks found per period and the change against the same period a year before
/// (the case study: 227 tasks by September 2005, +202.7% on 2004).
public struct TasksFoundReport: HQReport, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        /// `2025`, `2025-Q3`, `2025-07` or `all`.
        public var period: String
        public var count: Int
        /// Cases of the same period a year before (nil for `all`).
        public var yearBefore: Int?
        /// `(count - yearBefore) / yearBefore` in percent, one decimal; nil when the year before had none.
        public var changePercent: Double?
    }

    public var period: String
    public var branch: String?
    /// `month`, `quarter` or `year`: how `rows` split the period.
    public var grain: String
    /// The whole period.
    public var total: Row
    /// The period split by `grain`, oldest first (for `all`, the years the data covers).
    public var rows: [Row]

    static func compute(_ reports: HQReports, _ db: Database) throws -> TasksFoundReport {
        // Count per month once; every period is a sum of months.
        var perMonth: [String: Int] = [:]
        var everything = 0
        var years: ClosedRange<Int>? = nil
        for date in try String?.fetchAll(db, sql: "SELECT reported_on FROM cases WHERE ?1 IS NULL OR branch = ?1",
                                         arguments: [reports.branch]) {
            everything += 1
            guard let date, let civil = CivilDate(date) else { continue }
            perMonth[String(date.prefix(7)), default: 0] += 1
            years = years.map { min($0.lowerBound, civil.year)...max($0.upperBound, civil.year) } ?? civil.year...civil.year
        }
        func count(_ period: ReportPeriod) -> Int {
            guard let bounds = period.bounds else { return everything }
            let from = String(bounds.from.prefix(7)), to = String(bounds.to.prefix(7))
            return perMonth.reduce(0) { $0 + ($1.key >= from && $1.key <= to ? $1.value : 0) }
        }
        func row(_ period: ReportPeriod) -> Row {
            let now = count(period)
            if period == .all { return Row(period: "all", count: now, yearBefore: nil, changePercent: nil) }
            let before = count(period.yearBefore)
            return Row(period: period.description, count: now, yearBefore: before, changePercent: ReportMath.change(from: before, to: now))
        }
        let grain = reports.effectiveGrain
        return TasksFoundReport(period: reports.period.description, branch: reports.branch, grain: grain.rawValue,
                                total: row(reports.period), rows: grain.split(reports.period, years: years).map(row))
    }

    /// `row,period,count,yearBefore,changePercent`: the `total` row first, then one row per
    /// month, quarter or year (`row` says which).
    public var csv: CSVTable {
        func cells(_ kind: String, _ row: Row) -> [String] {
            [kind, row.period, String(row.count), ReportMath.cell(row.yearBefore), ReportMath.cell(row.changePercent)]
        }
        return CSVTable(header: ["row", "period", "count", "yearBefore", "changePercent"],
                        rows: [cells("total", total)] + rows.map { cells(grain, $0) })
    }
}
