import SyncCore
import GRDB

/// Every HQ report for one filter, as the dashboard and `field report all` show them.
public struct HQReportBundle: Codable, Sendable, Hashable {
    public var period: String
    public var branch: String?
    public var asOf: String
    public var tasks: TasksFoundReport
    public var sources: SourceShareReport
    public var replies: ReplyRateReport
    public var breakdown: CaseBreakdownReport
    public var stepTimes: StepTimesReport
    public var reportedBack: ReportedBackReport
    public var points: PointsSummaryReport
    public var divisions: DivisionsReport
    public var budget: BudgetReport
    public var satisfaction: SatisfactionReport
    public var reexaminations: ReexaminationReport
    public var referrals: ReferralReport
    public var rewards: RewardsReport

    static func compute(_ reports: HQReports, _ db: Database) throws -> HQReportBundle {
        var reports = reports
        reports.caseCache = try reports.cases(db)
        return HQReportBundle(period: reports.period.description, branch: reports.branch, asOf: reports.asOf,
                       tasks: try reports.tasks(db), sources: try reports.sources(db), replies: try reports.replies(db),
                       breakdown: try reports.breakdown(db), stepTimes: try reports.stepTimes(db),
                       reportedBack: try reports.reportedBack(db), points: try reports.points(db),
                       divisions: try reports.divisions(db), budget: try reports.budget(db),
                       satisfaction: try reports.satisfaction(db), reexaminations: try reports.reexaminations(db),
                       referrals: try reports.referrals(db), rewards: try reports.rewards(db))
    }

    /// Each report's CSV table, in `HQReportName` order.
    public var sections: [(name: HQReportName, table: CSVTable)] {
        HQReportName.allCases.map { name in
            let report: any HQReport = switch name {
            case .tasks: tasks
            case .sources: sources
            case .replies: replies
            case .breakdown: breakdown
            case .stepTimes: stepTimes
            case .reportedBack: reportedBack
            case .points: points
            case .divisions: divisions
            case .budget: budget
            case .satisfaction: satisfaction
            case .reexaminations: reexaminations
            case .referrals: referrals
            case .rewards: rewards
            }
            return (name, report.csv)
        }
    }
}
