import GRDB
import SyncCore

/// A referral's course on a case: when it was sent onward, when the answer is due, the other
/// body's answer and the day it came.
public struct ReferralView: Codable, Sendable, Equatable {
    public var referredTo: String?
    public var sentOn: String?
    public var dueOn: String?
    public var answer: String?
    public var answeredOn: String?

    public init(referredTo: String? = nil, sentOn: String? = nil, dueOn: String? = nil, answer: String? = nil, answeredOn: String? = nil) {
        self.referredTo = referredTo
        self.sentOn = sentOn
        self.dueOn = dueOn
        self.answer = answer
        self.answeredOn = answeredOn
    }
}

/// A referral waiting for the other body's answer, as the inbox chases it.
public struct WaitingReferral: Codable, Sendable, Equatable {
    public var caseID: String
    public var ref: String?
    public var title: String?
    public var branch: String?
    public var referredTo: String?
    public var sentOn: String?
    public var dueOn: String?
    /// Days since it was sent, until today.
    public var daysWaiting: Int?
    /// Days past the due date (0 or less: not overdue yet).
    public var daysOverdue: Int?
    public var overdue: Bool
}

/// Referral answers (issue 15): a case referred onward (the inter-ministry joint committee, the
/// Prime Minister's mediation council) waits for the other body's answer. Staff record the
/// answer when it comes; until then the inbox chases the referrals past their due date.
extension FieldReplica {
    /// Records the other body's answer to a referred case, received on `on` (default today).
    /// A second answer replaces the first (the last one typed wins, like any register).
    @discardableResult
    public func answerReferral(_ idOrRef: String, answer: String, on: String? = nil) throws -> CaseDetail {
        try Check.text(answer, what: "answer", max: 5_000)
        try write { db in
            try requireStaff(db, "record referral answers")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            guard try milestones(id, db).contains("referred") else {
                throw SyncError(.conflict, "case \(idOrRef) was not referred onward; refer it first with `field case refer \(idOrRef)`")
            }
            let sent = try String.fetchOne(db, sql: """
                SELECT coalesce(c.referral_sent_on, m.reached_on) FROM cases c
                LEFT JOIN case_milestones m ON m.case_id = c.id AND m.milestone = 'referred' WHERE c.id = ?
                """, arguments: [id])
            if let sent, date < sent {
                throw SyncError(.invalidValue, "answered on \(date) is before the referral was sent (\(sent))")
            }
            var writes: [FieldWrite] = [.set(.case, id, "referralAnswer", .string(answer)), .set(.case, id, "referralAnsweredOn", .string(date))]
            // Referred before schema 5: the day it was sent is the referral's date of record.
            if try String.fetchOne(db, sql: "SELECT referral_sent_on FROM cases WHERE id = ?", arguments: [id]) == nil, let sent {
                writes.append(.set(.case, id, "referralSentOn", .string(sent)))
            }
            try record(writes, db)
        }
        return try caseDetail(idOrRef)
    }

    /// Referrals this replica holds that wait for an answer, overdue first (most overdue first),
    /// then by due date. `overdueOnly` keeps those past their due date.
    public func waitingReferrals(overdueOnly: Bool = false, branch: String? = nil) throws -> [WaitingReferral] {
        try read { db in
            let today = try today(db)
            return try ReferralReport.referrals(branch: branch, db).filter { $0.answered == nil }.map { r -> WaitingReferral in
                let overdueDays = r.due.flatMap { CivilDate.days(from: $0, to: today) }
                return WaitingReferral(caseID: r.id, ref: r.ref, title: r.title, branch: r.branch, referredTo: r.body,
                                       sentOn: r.sent, dueOn: r.due, daysWaiting: r.sent.flatMap { CivilDate.days(from: $0, to: today) },
                                       daysOverdue: overdueDays, overdue: (overdueDays ?? 0) > 0)
            }
            .filter { !overdueOnly || $0.overdue }
            .sorted { a, b in
                if a.overdue != b.overdue { return a.overdue }
                return (-(a.daysOverdue ?? 0), a.dueOn ?? "", a.ref ?? a.caseID) < (-(b.daysOverdue ?? 0), b.dueOn ?? "", b.ref ?? b.caseID)
            }
        }
    }

    static func referralView(_ row: Row) -> ReferralView? {
        let view = ReferralView(referredTo: row["referred_to"], sentOn: row["referral_sent_on"], dueOn: row["referral_due_on"],
                                answer: row["referral_answer"], answeredOn: row["referral_answered_on"])
        return view == ReferralView() ? nil : view
    }
}
