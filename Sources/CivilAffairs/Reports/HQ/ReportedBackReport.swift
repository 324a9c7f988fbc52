import SyncCore
import GRDB

/// Whether submitters were told what became of their cases: of the closed cases (accepted,
/// rejected, implemented or referred), how many reached the `result-notified` milestone.
public struct ReportedBackReport: HQReport, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        /// `all` or a closed status.
        public var status: String
        public var closed: Int
        public var notified: Int
        /// Percent notified, one decimal (nil with no closed case).
        public var percent: Double?
        /// Mean days from the decision to the notification, over the notified ones, one decimal:
        /// whole days between their dates of record (`case_milestones.reached_on`).
        public var averageDaysToNotify: Double?
    }

    public var period: String
    public var branch: String?
    /// Closed cases not yet notified, oldest report first (at most 50; the count is `all.closed - all.notified`).
    public var waiting: [String]
    public var rows: [Row]

    /// Statuses of a case whose result is known.
    public static let closedStatuses = ["accepted", "rejected", "implemented", "referred"]

    static func compute(_ reports: HQReports, _ db: Database) throws -> ReportedBackReport {
        let closed = try reports.cases(db).filter { closedStatuses.contains($0.status) }
        // The earliest decision by date of record (then timestamp), and the notification's date.
        var decidedAt: [String: StepTimesReport.Moment] = [:]
        var notifiedAt: [String: String] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: """
            SELECT case_id, milestone, reached_on, reached_hlc FROM case_milestones
            WHERE milestone IN ('accepted', 'rejected', 'referred', 'result-notified')
            """) {
            let id: String = row[0], milestone: String = row[1]
            let moment = StepTimesReport.Moment(date: row[2], hlc: row[3])
            if milestone == "result-notified" {
                notifiedAt[id] = moment.date
            } else if decidedAt[id].map({ moment < $0 }) ?? true {
                decidedAt[id] = moment
            }
        }
        func row(_ status: String, _ cases: [HQReports.CaseFact]) -> Row {
            var notified = 0
            var days: [Double] = []
            for fact in cases {
                guard let at = notifiedAt[fact.id] else { continue }
                notified += 1
                if let decided = decidedAt[fact.id], let count = CivilDate.days(from: decided.date, to: at) {
                    days.append(Double(max(0, count)))
                }
            }
            return Row(status: status, closed: cases.count, notified: notified, percent: ReportMath.percent(notified, of: cases.count),
                       averageDaysToNotify: ReportMath.mean(days).map(ReportMath.round1))
        }
        let waiting = closed.filter { notifiedAt[$0.id] == nil }
            .sorted { ($0.reportedOn ?? "", $0.ref ?? $0.id) < ($1.reportedOn ?? "", $1.ref ?? $1.id) }
            .prefix(50).map { $0.ref ?? $0.id }
        return ReportedBackReport(period: reports.period.description, branch: reports.branch, waiting: Array(waiting),
                                  rows: [row("all", closed)] + closedStatuses.map { status in row(status, closed.filter { $0.status == status }) })
    }

    /// The `all` row.
    public var all: Row { rows[0] }

    /// `status,closed,notified,percent,averageDaysToNotify`: `all` first, then each closed status.
    public var csv: CSVTable {
        CSVTable(header: ["status", "closed", "notified", "percent", "averageDaysToNotify"], rows: rows.map {
            [$0.status, String($0.closed), String($0.notified), ReportMath.cell($0.percent), ReportMath.cell($0.averageDaysToNotify)]
        })
    }
}
