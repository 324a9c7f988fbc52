import SyncCore
import Foundation
import GRDB

/// The headquarters figures (MISSION.md, "What headquarters measures") behind one entry point.
///
/// Every report is a pure read of the materialised tables and the operation log of a replica,
/// which the server keeps too (its own `ReplicaStore`), so the server and an HQ replica that has
/// synced compute the same numbers from the same facts. Nothing reads the system clock: `now`
/// (used only for how long open cases have waited at their step) is a parameter.
///
/// Filters: a period (`all`, `YYYY`, `YYYY-Qn`, `YYYY-MM`) and optionally one branch. A case
/// belongs to the period of its `reportedOn` date and to its `branch`; a consultation to its
/// `receivedOn` date and branch; a points line to the date of its fact and to the member's branch.
///
/// ```swift
/// let reports = HQReports(period: .year(2025), branch: "busan", now: clock.nowMilliseconds())
/// let csv = try store.writer.read { db in try reports.render(.tasks, as: .csv, db) }
/// ```
public struct HQReports: Sendable {
    public var period: ReportPeriod
    /// One branch, or nil for the whole country.
    public var branch: String?
    /// How rows split the period (nil: `ReportGrain.default(for:)`).
    public var grain: ReportGrain?
    /// The instant the report is made, milliseconds since the epoch: open cases have been at
    /// their step until then.
    public var nowMilliseconds: Int64
    public var policy: PointsPolicy
    public var routing: LadderRouting
    /// Rows of the points leaderboard (nil: every member with points).
    public var leaderboardLimit: Int?
    /// How many ranks the monthly best-monitor lists hold (ties included).
    public var bestCount: Int
    /// The period's cases, when already read in this transaction: the bundle of every report
    /// reads the cases table once, not once per report.
    var caseCache: [CaseFact]?

    public init(period: ReportPeriod = .all, branch: String? = nil, grain: ReportGrain? = nil, now nowMilliseconds: Int64,
                policy: PointsPolicy = .embedded, routing: LadderRouting = .embedded,
                leaderboardLimit: Int? = 20, bestCount: Int = 3) {
        self.period = period
        self.branch = branch
        self.grain = grain
        self.nowMilliseconds = nowMilliseconds
        self.policy = policy
        self.routing = routing
        self.leaderboardLimit = leaderboardLimit
        self.bestCount = bestCount
    }

    /// The grain actually used.
    public var effectiveGrain: ReportGrain { grain ?? .default(for: period) }

    /// The day `nowMilliseconds` falls on (UTC).
    public var asOf: String { CivilDate(millisecondsSinceEpoch: nowMilliseconds).description }

    // MARK: - The reports

    /// Reform tasks found per period and the change against the same period a year before.
    public func tasks(_ db: Database) throws -> TasksFoundReport { try TasksFoundReport.compute(self, db) }
    /// Share of tasks by source (external monitor, internal monitor, call centre, division, workshop).
    public func sources(_ db: Database) throws -> SourceShareReport { try SourceShareReport.compute(self, db) }
    /// Reply rate to consultations: overall, per period, per branch, per channel.
    public func replies(_ db: Database) throws -> ReplyRateReport { try ReplyRateReport.compute(self, db) }
    /// Cases by area, cause, step, status, source and branch.
    public func breakdown(_ db: Database) throws -> CaseBreakdownReport { try CaseBreakdownReport.compute(self, db) }
    /// Median and 90th-percentile days spent at each step of the ladder.
    public func stepTimes(_ db: Database) throws -> StepTimesReport { try StepTimesReport.compute(self, db) }
    /// Share of closed cases whose result was reported back to the submitter.
    public func reportedBack(_ db: Database) throws -> ReportedBackReport { try ReportedBackReport.compute(self, db) }
    /// Points leaderboard and the best monitors of each month.
    public func points(_ db: Database) throws -> PointsSummaryReport { try PointsSummaryReport.compute(self, db) }
    /// Points and findings per division, with the best and the worst.
    public func divisions(_ db: Database) throws -> DivisionsReport { try DivisionsReport.compute(self, db) }
    /// Accepted reform tasks ranked by the budget execution committee's priority.
    public func budget(_ db: Database) throws -> BudgetReport { try BudgetReport.compute(self, db) }
    /// Customers' satisfaction score per survey period, and the change on the year before.
    public func satisfaction(_ db: Database) throws -> SatisfactionReport { try SatisfactionReport.compute(self, db) }
    /// Re-examinations asked for and the outcomes of their dispute arbitration.
    public func reexaminations(_ db: Database) throws -> ReexaminationReport { try ReexaminationReport.compute(self, db) }
    /// Referrals sent onward, answered and overdue, and the time the answers took.
    public func referrals(_ db: Database) throws -> ReferralReport { try ReferralReport.compute(self, db) }
    /// Rewards given in the period, and each month's best outside monitors against the gift
    /// certificates given.
    public func rewards(_ db: Database) throws -> RewardsReport { try RewardsReport.compute(self, db) }

    /// Every report at once.
    public func all(_ db: Database) throws -> HQReportBundle { try HQReportBundle.compute(self, db) }

    /// One report by name (for a server routing `/reports/{name}`).
    public func report(_ name: HQReportName, _ db: Database) throws -> any HQReport {
        switch name {
        case .tasks: try tasks(db)
        case .sources: try sources(db)
        case .replies: try replies(db)
        case .breakdown: try breakdown(db)
        case .stepTimes: try stepTimes(db)
        case .reportedBack: try reportedBack(db)
        case .points: try points(db)
        case .divisions: try divisions(db)
        case .budget: try budget(db)
        case .satisfaction: try satisfaction(db)
        case .reexaminations: try reexaminations(db)
        case .referrals: try referrals(db)
        case .rewards: try rewards(db)
        }
    }

    /// One report (or, with nil, every report) as the text the CLI prints and the server
    /// serves: pretty, key-sorted JSON, or RFC 4180 CSV. Every report's CSV is one table;
    /// `all` as CSV is each report's table after a `# name` line, separated by blank lines.
    public func render(_ name: HQReportName?, as format: HQReportFormat, _ db: Database) throws -> String {
        guard let name else {
            let bundle = try all(db)
            switch format {
            case .json: return try Self.json(bundle)
            case .csv: return bundle.sections.map { "# \($0.name.rawValue)\r\n" + $0.table.text }.joined(separator: "\r\n")
            }
        }
        let report = try report(name, db)
        switch format {
        case .json: return try Self.json(report)
        case .csv: return report.csv.text
        }
    }

    /// Pretty, key-sorted JSON (the CLI's `--json` style), without a trailing newline.
    public static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    // MARK: - Shared reads

    /// A case as the reports see it.
    struct CaseFact {
        var id: String
        var ref: String?
        var title: String?
        var area: String?
        var cause: String?
        var source: String?
        var submitter: String?
        var branch: String?
        var reportedOn: String?
        var step: Int?
        var status: String
        var budgetPriority: Int?
    }

    /// The cases in the period and branch, read once per report set (`caseCache`).
    func cases(_ db: Database) throws -> [CaseFact] {
        if let caseCache { return caseCache }
        let bounds = period.bounds
        return try Row.fetchAll(db, sql: """
            SELECT id, ref, title, area, cause, source, submitter, branch, reported_on, step, status, budget_priority FROM cases
            WHERE (?1 IS NULL OR branch = ?1) AND (?2 IS NULL OR reported_on BETWEEN ?2 AND ?3)
            """, arguments: [branch, bounds?.from, bounds?.to]).map { row in
            CaseFact(id: row[0], ref: row[1], title: row[2], area: row[3], cause: row[4], source: row[5], submitter: row[6],
                     branch: row[7], reportedOn: row[8], step: (row[9] as Int64?).map(Int.init), status: row[10],
                     budgetPriority: (row[11] as Int64?).map(Int.init))
        }
    }

    /// `(value, count)` rows for known keys first (in the given order, zeros included), then
    /// any other value present, by key, with `(none)` for a missing value.
    static func shares(_ values: [String?], known: [String], labels: [String: String] = [:]) -> [ShareRow] {
        var counts: [String: Int] = [:]
        for value in values { counts[value ?? "(none)", default: 0] += 1 }
        let others = counts.keys.filter { !known.contains($0) }.sorted()
        return (known + others).map { key in
            ShareRow(key: key, label: labels[key], count: counts[key] ?? 0,
                     percent: ReportMath.percent(counts[key] ?? 0, of: values.count))
        }
    }
}
