import SyncCore
import GRDB

/// Who is due a reward, from facts already recorded: the month's best outside monitors (a gift
/// certificate every month) and the outside monitors' suggestions selected as reform tasks
/// that have no appreciation letter yet. Pure reads, the same on the server and on an HQ
/// replica that has seen the same operations; nothing is proposed twice once it is given.
public enum RewardCandidates {
    /// The member kind a gift certificate and an appreciation letter go to.
    public static let monitorKind = "external-monitor"
    /// The statuses of a case selected as a reform task.
    public static let selectedStatuses: Set<String> = ["accepted", "implemented"]
    /// The milestones that select a case as a reform task (their `reached_on` dates the selection).
    public static let selectingMilestones = ["accepted", "implemented"]

    /// One of the month's best outside monitors, and the gift certificate recorded for them.
    public struct Monitor: Codable, Sendable, Hashable {
        /// Rank among the outside monitors of the month (equal points share a rank).
        public var rank: Int
        public var member: String
        public var name: String?
        public var branch: String?
        /// Points earned in the month (the points policy's ledger).
        public var points: Int
        public var entries: Int
        /// The gift certificate recorded for the month (nil: not given yet).
        public var giftCertificate: String?
        public var givenOn: String?
        public var amount: Int?
    }

    /// An outside monitor's suggestion selected as a reform task, without an appreciation letter.
    public struct Letter: Codable, Sendable, Hashable {
        public var caseID: String
        public var ref: String?
        public var title: String?
        /// The submitter, to whom the letter goes.
        public var member: String
        public var name: String?
        public var branch: String?
        /// `accepted` or `implemented`.
        public var status: String
        /// The first day in the period the case was accepted or implemented.
        public var selectedOn: String
    }

    /// The candidates of one month, as `field reward candidates` shows them.
    public struct Proposal: Codable, Sendable, Hashable {
        /// `YYYY-MM`.
        public var month: String
        /// How many ranks of best monitors are proposed (ties included).
        public var count: Int
        public var giftCertificates: [Monitor]
        public var letters: [Letter]
    }

    /// A gift certificate recorded for a month.
    struct Given: Hashable {
        var id: String
        var givenOn: String?
        var amount: Int?
    }

    /// The candidates of `month` (a `.month` period): the outside monitors of its top `count`
    /// ranks, and the reform tasks selected in it still without a letter. With `branch`, members
    /// of that branch only.
    public static func propose(policy: PointsPolicy, month: ReportPeriod, count: Int, branch: String? = nil,
                               _ db: Database) throws -> Proposal {
        let members = try PointsReport.memberInfo(db)
        let entries = try PointsReport.ledger(policy: policy, period: month, branch: branch, db)
        let given = try giftCertificates(db)[month.description] ?? [:]
        return Proposal(month: month.description, count: count,
                        giftCertificates: best(entries, members: members, count: count, given: given),
                        letters: try letters(period: month, branch: branch, members: members, db))
    }

    /// The outside monitors of the top `count` ranks of one month's ledger lines, ranked among
    /// themselves (internal monitors and staff are evaluated apart), each with the certificate
    /// recorded for the month if any.
    static func best(_ entries: [PointsEntry], members: [String: PointsReport.MemberInfo], count: Int,
                     given: [String: Given]) -> [Monitor] {
        let outside = entries.filter { members[$0.member]?.kind == monitorKind }
        return PointsReport.rank(outside, members: members, limit: nil).filter { $0.rank <= count }.map { row in
            let certificate = given[row.member]
            return Monitor(rank: row.rank, member: row.member, name: row.name, branch: row.branch, points: row.points,
                           entries: row.entries, giftCertificate: certificate?.id, givenOn: certificate?.givenOn,
                           amount: certificate?.amount)
        }
    }

    /// Every gift certificate by the month it rewards (its `period`) and member: the first one
    /// given when a member has several for a month.
    static func giftCertificates(_ db: Database) throws -> [String: [String: Given]] {
        var result: [String: [String: Given]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT id, member_id, period, given_on, amount FROM rewards
            WHERE kind = 'gift-certificate' AND member_id IS NOT NULL AND period IS NOT NULL
            ORDER BY given_on, id
            """) {
            let period: String = row[2], member: String = row[1]
            if result[period]?[member] != nil { continue }
            result[period, default: [:]][member] = Given(id: row[0], givenOn: row[3], amount: (row[4] as Int64?).map(Int.init))
        }
        return result
    }

    /// Outside monitors' cases accepted or implemented on a day of `period` that no appreciation
    /// letter names yet, by the day they were selected. With `branch`, submitters of that branch.
    static func letters(period: ReportPeriod, branch: String?, members: [String: PointsReport.MemberInfo],
                        _ db: Database) throws -> [Letter] {
        let bounds = period.bounds
        var letters: [Letter] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT c.id, c.ref, c.title, c.submitter, c.status, min(m.reached_on)
            FROM cases c JOIN case_milestones m ON m.case_id = c.id
            WHERE m.milestone IN ('accepted', 'implemented', 'arbitration-overturned') AND c.submitter IS NOT NULL
              AND (?1 IS NULL OR m.reached_on BETWEEN ?1 AND ?2)
              AND NOT EXISTS (SELECT 1 FROM reward_cases rc JOIN rewards r ON r.id = rc.reward_id
                              WHERE rc.case_id = c.id AND r.kind = 'appreciation-letter')
            GROUP BY c.id
            """, arguments: [bounds?.from, bounds?.to]) {
            let submitter: String = row[3]
            let status: String = row[4]
            guard let info = members[submitter], info.kind == monitorKind, selectedStatuses.contains(status) else { continue }
            if let branch, info.branch != branch { continue }
            letters.append(Letter(caseID: row[0], ref: row[1], title: row[2], member: submitter, name: info.name,
                                  branch: info.branch, status: status, selectedOn: row[5]))
        }
        return letters.sorted { ($0.selectedOn, $0.ref ?? "", $0.caseID) < ($1.selectedOn, $1.ref ?? "", $1.caseID) }
    }
}
