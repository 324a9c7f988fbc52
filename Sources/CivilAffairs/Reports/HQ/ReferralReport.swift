import SyncCore
import GRDB

/// Cases referred onward (the inter-ministry joint committee, the Prime Minister's mediation
/// council) and the other bodies' answers: how many were answered, how long the answers took,
/// and which are overdue. A referral counts in the period of the day it was sent (its
/// `referralSentOn`, else the `referred` milestone's date of record) and in its case's branch;
/// it is overdue when unanswered after its due date (`referralDueOn`, else 30 days after it
/// was sent) as of the report's day.
public struct ReferralReport: HQReport, Hashable {
    public struct BodyRow: Codable, Sendable, Hashable {
        /// The body referred to, or `(all)`.
        public var body: String
        public var sent: Int
        public var answered: Int
        public var waiting: Int
        public var overdue: Int
        /// Whole days from sending to the answer, of the answered ones.
        public var medianDaysToAnswer: Double?
        public var meanDaysToAnswer: Double?
    }

    public struct Overdue: Codable, Sendable, Hashable {
        public var caseID: String
        public var ref: String?
        public var title: String?
        public var branch: String?
        public var body: String?
        public var sentOn: String?
        public var dueOn: String?
        public var daysOverdue: Int
    }

    public var period: String
    public var branch: String?
    /// The day overdue is judged on.
    public var asOf: String
    /// `(all)` first, then each body by how many were sent.
    public var rows: [BodyRow]
    /// Unanswered past their due date, most overdue first.
    public var overdue: [Overdue]

    /// Days the other body is given when the referral names no due date.
    public static let defaultAnswerDays = 30

    /// One referred case as the report and the inbox read it.
    public struct Referral: Sendable, Hashable {
        public var id: String
        public var ref: String?
        public var title: String?
        public var branch: String?
        /// The body referred to.
        public var body: String?
        /// The day it was sent: `referralSentOn`, else the `referred` milestone's date of record.
        public var sent: String?
        /// `referralDueOn`, else `defaultAnswerDays` after it was sent.
        public var due: String?
        public var answered: String?
    }

    /// The day an answer is due `days` after `sentOn` (`sentOn` itself if it is not a date).
    public static func dueDate(sentOn: String, days: Int = defaultAnswerDays) -> String {
        guard let sent = CivilDate(sentOn) else { return sentOn }
        return CivilDate(millisecondsSinceEpoch: sent.millisecondsSinceEpoch + Int64(days) * 86_400_000).description
    }

    /// Every referred case (of `branch`, when given), in one read.
    public static func referrals(branch: String?, _ db: Database) throws -> [Referral] {
        try Row.fetchAll(db, sql: """
            SELECT c.id, c.ref, c.title, c.branch, c.referred_to, coalesce(c.referral_sent_on, m.reached_on), c.referral_due_on,
                   c.referral_answered_on
            FROM cases c JOIN case_milestones m ON m.case_id = c.id AND m.milestone = 'referred'
            WHERE (?1 IS NULL OR c.branch = ?1)
            """, arguments: [branch]).map { row in
            let sent: String? = row[5]
            return Referral(id: row[0], ref: row[1], title: row[2], branch: row[3], body: row[4], sent: sent,
                            due: row[6] ?? sent.map { dueDate(sentOn: $0) }, answered: row[7])
        }
    }

    static func compute(_ reports: HQReports, _ db: Database) throws -> ReferralReport {
        let asOf = reports.asOf
        let referrals = try Self.referrals(branch: reports.branch, db).filter { reports.period.contains($0.sent) }
        func isOverdue(_ r: Referral) -> Bool { r.answered == nil && (r.due.map { $0 < asOf } ?? false) }
        func row(_ body: String, _ members: [Referral]) -> BodyRow {
            let days = members.compactMap { r in r.answered.flatMap { a in r.sent.flatMap { CivilDate.days(from: $0, to: a) } } }
                .map(Double.init).sorted()
            return BodyRow(body: body, sent: members.count, answered: members.filter { $0.answered != nil }.count,
                           waiting: members.filter { $0.answered == nil }.count, overdue: members.filter(isOverdue).count,
                           medianDaysToAnswer: ReportMath.quantile(days, 0.5).map(ReportMath.round1),
                           meanDaysToAnswer: ReportMath.mean(days).map(ReportMath.round1))
        }
        var byBody: [String: [Referral]] = [:]
        for referral in referrals { byBody[referral.body ?? "(unnamed)", default: []].append(referral) }
        let bodies = byBody.keys.sorted { (byBody[$1]!.count, $0) < (byBody[$0]!.count, $1) }
        let overdue = referrals.filter(isOverdue).map { r in
            Overdue(caseID: r.id, ref: r.ref, title: r.title, branch: r.branch, body: r.body ?? "(unnamed)", sentOn: r.sent, dueOn: r.due,
                    daysOverdue: r.due.flatMap { CivilDate.days(from: $0, to: asOf) } ?? 0)
        }.sorted { ($1.daysOverdue, $0.ref ?? $0.caseID) < ($0.daysOverdue, $1.ref ?? $1.caseID) }
        return ReferralReport(period: reports.period.description, branch: reports.branch, asOf: asOf,
                              rows: [row("(all)", referrals)] + bodies.map { row($0, byBody[$0]!) }, overdue: overdue)
    }

    /// `body,sent,answered,waiting,overdue,medianDaysToAnswer,meanDaysToAnswer`: `(all)` first.
    public var csv: CSVTable {
        CSVTable(header: ["body", "sent", "answered", "waiting", "overdue", "medianDaysToAnswer", "meanDaysToAnswer"], rows: rows.map {
            [$0.body, String($0.sent), String($0.answered), String($0.waiting), String($0.overdue),
             ReportMath.cell($0.medianDaysToAnswer), ReportMath.cell($0.meanDaysToAnswer)]
        })
    }
}
