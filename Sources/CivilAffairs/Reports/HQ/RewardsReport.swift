import SyncCore
import GRDB

/// Rewards and recognition for headquarters: what was given in the period (by the day it was
/// given), counted per kind, and, for each month, the best outside monitors against the gift
/// certificates recorded for that month, plus the reform tasks still owed an appreciation
/// letter, so HQ sees who has not been rewarded yet.
///
/// With a branch, rewards whose recipient is a member of that branch, and that branch's
/// monitors as candidates; a division's incentive has no branch and is left out.
public struct RewardsReport: HQReport, Hashable {
    /// Rewards of one kind given in the period.
    public struct KindCount: Codable, Sendable, Hashable {
        public var kind: String
        public var count: Int
        /// The sum of their amounts (won; points for `points`).
        public var amount: Int
    }

    /// One reward given.
    public struct Given: Codable, Sendable, Hashable {
        public var id: String
        public var kind: String
        /// The recipient (nil: a division's incentive).
        public var member: String?
        public var name: String?
        /// The recipient's member kind.
        public var memberKind: String?
        /// The recipient's branch.
        public var branch: String?
        /// The division given an incentive, or the recipient's division.
        public var division: String?
        /// The period it rewards.
        public var period: String?
        public var givenOn: String?
        public var amount: Int?
        /// The cases behind it (ids), and their references in the same order.
        public var cases: [String]
        public var refs: [String]
        public var note: String?
    }

    /// One month's best outside monitors and the gift certificates recorded for it.
    public struct Month: Codable, Sendable, Hashable {
        /// `YYYY-MM`.
        public var month: String
        /// The top `bestCount` ranks of outside monitors, ties included.
        public var candidates: [RewardCandidates.Monitor]
        /// Members with a gift certificate for the month (candidates or not).
        public var givenTo: [String]
        /// Candidates without a gift certificate for the month.
        public var unrewarded: Int
    }

    public var period: String
    public var branch: String?
    /// Rewards given in the period.
    public var total: Int
    /// Every kind, in `Domain.rewardKinds` order (zeros included), then any other kind found.
    public var byKind: [KindCount]
    /// The rewards given in the period, oldest first.
    public var rewards: [Given]
    public var bestCount: Int
    /// Each month of the period with outside monitors' points or gift certificates, oldest first.
    public var months: [Month]
    /// Outside monitors' reform tasks selected in the period that have no appreciation letter.
    public var lettersDue: [RewardCandidates.Letter]

    static func compute(_ reports: HQReports, _ db: Database) throws -> RewardsReport {
        let members = try PointsReport.memberInfo(db)
        var cases: [String: [(id: String, ref: String)]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT rc.reward_id, rc.case_id, c.ref FROM reward_cases rc LEFT JOIN cases c ON c.id = rc.case_id
            ORDER BY rc.reward_id, rc.case_id
            """) {
            let id: String = row[1]
            cases[row[0], default: []].append((id, (row[2] as String?) ?? id))
        }
        var rewards: [Given] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT id, kind, member_id, division, period, given_on, amount, note FROM rewards
            WHERE (?1 IS NULL OR given_on BETWEEN ?1 AND ?2)
            """, arguments: [reports.period.bounds?.from, reports.period.bounds?.to]) {
            let id: String = row[0]
            let member: String? = row[2]
            let info = member.flatMap { members[$0] }
            if let branch = reports.branch, member == nil || info?.branch != branch { continue }
            let behind = cases[id] ?? []
            rewards.append(Given(id: id, kind: (row[1] as String?) ?? "(none)", member: member, name: info?.name,
                                 memberKind: info?.kind, branch: info?.branch, division: (row[3] as String?) ?? info?.division,
                                 period: row[4], givenOn: row[5], amount: (row[6] as Int64?).map(Int.init),
                                 cases: behind.map(\.id), refs: behind.map(\.ref), note: row[7]))
        }
        rewards.sort { ($0.givenOn ?? "", $0.id) < ($1.givenOn ?? "", $1.id) }

        var counts: [String: (count: Int, amount: Int)] = [:]
        for reward in rewards {
            counts[reward.kind, default: (0, 0)].count += 1
            counts[reward.kind, default: (0, 0)].amount += reward.amount ?? 0
        }
        let kinds = Domain.rewardKinds + counts.keys.filter { !Domain.rewardKinds.contains($0) }.sorted()
        let byKind = kinds.map { KindCount(kind: $0, count: counts[$0]?.count ?? 0, amount: counts[$0]?.amount ?? 0) }

        // The months: those with outside monitors' points, and those a gift certificate rewards.
        var ledger: [String: [PointsEntry]] = [:]
        for entry in try PointsReport.ledger(policy: reports.policy, period: reports.period, branch: reports.branch, db)
        where members[entry.member]?.kind == RewardCandidates.monitorKind {
            ledger[String(entry.date.prefix(7)), default: []].append(entry)
        }
        var given: [String: [String: RewardCandidates.Given]] = [:]
        for (month, byMember) in try RewardCandidates.giftCertificates(db) {
            guard let period = try? ReportPeriod(parsing: month), case .month = period, reports.period.encloses(period) else { continue }
            let kept = byMember.filter { reports.branch == nil || members[$0.key]?.branch == reports.branch }
            if !kept.isEmpty { given[month] = kept }
        }
        let months = Set(ledger.keys).union(given.keys).sorted().map { month in
            let best = RewardCandidates.best(ledger[month] ?? [], members: members, count: reports.bestCount, given: given[month] ?? [:])
            return Month(month: month, candidates: best, givenTo: (given[month] ?? [:]).keys.sorted(),
                         unrewarded: best.filter { $0.giftCertificate == nil }.count)
        }
        return RewardsReport(period: reports.period.description, branch: reports.branch, total: rewards.count, byKind: byKind,
                             rewards: rewards, bestCount: reports.bestCount, months: months,
                             lettersDue: try RewardCandidates.letters(period: reports.period, branch: reports.branch,
                                                                      members: members, db))
    }

    /// `list,month,rank,id,kind,member,name,member_kind,branch,division,period,date,amount,points,cases,refs`:
    /// the rewards given (`list` = `reward`, `date` the day given), then each month's best
    /// outside monitors (`candidate`: `id`, `date` and `amount` those of the gift certificate
    /// recorded for the month, empty when none), then the reform tasks owed a letter
    /// (`letter-due`: `date` the day selected, `cases` and `refs` the case). Case lists are
    /// separated by spaces.
    public var csv: CSVTable {
        var rows: [[String]] = rewards.map { reward in
            ["reward", "", "", reward.id, reward.kind, ReportMath.cell(reward.member), ReportMath.cell(reward.name),
             ReportMath.cell(reward.memberKind), ReportMath.cell(reward.branch), ReportMath.cell(reward.division),
             ReportMath.cell(reward.period), ReportMath.cell(reward.givenOn), ReportMath.cell(reward.amount), "",
             reward.cases.joined(separator: " "), reward.refs.joined(separator: " ")]
        }
        for month in months {
            for candidate in month.candidates {
                rows.append(["candidate", month.month, String(candidate.rank), ReportMath.cell(candidate.giftCertificate),
                             "gift-certificate", candidate.member, ReportMath.cell(candidate.name), RewardCandidates.monitorKind,
                             ReportMath.cell(candidate.branch), "", month.month, ReportMath.cell(candidate.givenOn),
                             ReportMath.cell(candidate.amount), String(candidate.points), "", ""])
            }
        }
        for letter in lettersDue {
            rows.append(["letter-due", String(letter.selectedOn.prefix(7)), "", "", "appreciation-letter", letter.member,
                         ReportMath.cell(letter.name), RewardCandidates.monitorKind, ReportMath.cell(letter.branch), "", "",
                         letter.selectedOn, "", "", letter.caseID, ReportMath.cell(letter.ref)])
        }
        return CSVTable(header: ["list", "month", "rank", "id", "kind", "member", "name", "member_kind", "branch", "division",
                                 "period", "date", "amount", "points", "cases", "refs"],
                        rows: rows)
    }
}
