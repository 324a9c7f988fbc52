import GRDB
import SyncCore

/// A reward as the CLI shows it.
public struct RewardView: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String?
    /// The recipient (nil: a division's incentive).
    public var member: String?
    /// The recipient's name, from the member directory.
    public var name: String?
    public var division: String?
    /// The period it rewards: `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    public var period: String?
    public var givenOn: String?
    /// Won (points for `points`).
    public var amount: Int?
    public var note: String?
    /// The cases behind it, by id, and their references in the same order.
    public var cases: [String]
    public var refs: [String]
}

/// Rewards and recognition (issue 15): headquarters records each reward it gives (an
/// appreciation letter for a suggestion selected as a reform task, the month's gift certificate
/// for the best outside monitors, points for employees, incentives for divisions), offline like
/// any fact; the recipient's replica receives it, and the letter is printed from the replica.
extension FieldReplica {
    /// Records a reward given on `on` (default today by the corrected clock). A division's
    /// incentive names `division`; every other kind names the `member` who receives it. The
    /// checks say what the agency's practice requires: a letter thanks the submitter of cases
    /// selected as reform tasks, a gift certificate goes to an outside monitor for one month
    /// (once), points to an employee. Only headquarters gives rewards.
    @discardableResult
    public func giveReward(id: String? = nil, kind: String, member: String? = nil, division: String? = nil, period: String,
                           cases: [String] = [], amount: Int? = nil, note: String? = nil, on: String? = nil) throws -> RewardView {
        try write { db in
            try requireHeadquarters(db, "give rewards")
            try Check.choice(kind, in: Domain.rewardKinds, what: "reward kind")
            let rewarded = try ReportPeriod(parsing: period)
            guard rewarded != .all else {
                throw SyncError(.invalidValue, "a reward is for one period: YYYY (2005), YYYY-Qn (2005-Q1) or YYYY-MM (2005-03), not 'all'")
            }
            if kind == "gift-certificate" {
                guard case .month = rewarded else {
                    throw SyncError(.invalidValue, "a gift certificate rewards one month's best monitors: give --period as YYYY-MM (2005-03)")
                }
            }
            if kind == Domain.divisionRewardKind {
                guard let division, member == nil else {
                    throw SyncError(.invalidValue, "a division incentive names a division (--division D), not a member")
                }
                try Check.text(division, what: "division", max: 200)
            } else {
                guard member != nil, division == nil else {
                    throw SyncError(.invalidValue, "a \(kind) goes to a member (--member M); only a division-incentive names a division")
                }
            }
            if let amount, !(0...1_000_000_000_000).contains(amount) {
                throw SyncError(.invalidValue, "--amount must be a whole number of won (or points) from 0 to 1000000000000")
            }
            if let note { try Check.text(note, what: "note", max: 2_000) }
            let rewardID = id ?? newID("rwd")
            try Check.identifier(rewardID, what: "reward id")
            let date = try dateOfRecord(on, db)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM rewards WHERE id = ?", arguments: [rewardID]) != nil {
                throw SyncError(.conflict, "reward '\(rewardID)' already exists; see it with `field reward list`")
            }

            var recipient: MemberView?
            if let member {
                try Check.identifier(member, what: "member")
                let found = try self.member(member, db)
                recipient = found
                switch kind {
                case "gift-certificate":
                    guard found.kind == RewardCandidates.monitorKind else {
                        throw SyncError(.invalidValue, "a gift certificate goes to an outside monitor; member \(member) is \(found.kind ?? "of no kind")")
                    }
                    if let twin = try String.fetchOne(db, sql: """
                        SELECT id FROM rewards WHERE kind = 'gift-certificate' AND member_id = ? AND period = ? ORDER BY id
                        """, arguments: [member, rewarded.description]) {
                        throw SyncError(.conflict, "member \(member) already received gift certificate \(twin) for \(rewarded)")
                    }
                case "appreciation-letter":
                    // The letter thanks an outside monitor (its wording says so); employees get points.
                    guard found.kind == RewardCandidates.monitorKind else {
                        throw SyncError(.invalidValue, "an appreciation letter goes to an outside monitor; member \(member) is \(found.kind ?? "of no kind") (employees get points: --kind points)")
                    }
                case "points":
                    guard let memberKind = found.kind, Domain.insideMemberKinds.contains(memberKind) else {
                        throw SyncError(.invalidValue, "points go to the agency's employees (\(Domain.insideMemberKinds.joined(separator: ", "))); member \(member) is \(found.kind ?? "of no kind")")
                    }
                default:
                    break
                }
            }

            var caseIDs: [String] = []
            for text in cases {
                let caseID = try resolveCase(text, db)
                if !caseIDs.contains(caseID) { caseIDs.append(caseID) }
            }
            if ["appreciation-letter", "web-posting"].contains(kind) {
                guard !caseIDs.isEmpty else {
                    throw SyncError(.invalidValue, "a \(kind) names the reform task(s) it is for: add --case C (a case selected as a reform task)")
                }
                for caseID in caseIDs {
                    let row = try Row.fetchOne(db, sql: "SELECT ref, status, submitter FROM cases WHERE id = ?", arguments: [caseID])
                    let label: String = (row?["ref"] as String?) ?? caseID
                    let status: String = (row?["status"] as String?) ?? "open"
                    guard RewardCandidates.selectedStatuses.contains(status) else {
                        throw SyncError(.conflict, "case \(label) is \(status), not selected as a reform task (accepted or implemented); decide it first")
                    }
                    guard kind == "appreciation-letter" else { continue }
                    guard (row?["submitter"] as String?) == member else {
                        throw SyncError(.invalidValue, "case \(label) was not submitted by \(member ?? "?"); an appreciation letter thanks the monitor who suggested it")
                    }
                    if let letter = try String.fetchOne(db, sql: """
                        SELECT r.id FROM reward_cases rc JOIN rewards r ON r.id = rc.reward_id
                        WHERE rc.case_id = ? AND r.kind = 'appreciation-letter' ORDER BY r.id
                        """, arguments: [caseID]) {
                        throw SyncError(.conflict, "case \(label) already has appreciation letter \(letter); print it again with `field reward letter \(letter)`")
                    }
                }
            }

            var writes: [FieldWrite] = [
                .set(.reward, rewardID, "kind", .string(kind)),
                .set(.reward, rewardID, "period", .string(rewarded.description)),
                .set(.reward, rewardID, "givenOn", .string(date)),
            ]
            if let recipient { writes.append(.set(.reward, rewardID, "member", .string(recipient.id))) }
            if let division { writes.append(.set(.reward, rewardID, "division", .string(division))) }
            if let amount { writes.append(.set(.reward, rewardID, "amount", .int(Int64(amount)))) }
            if let note { writes.append(.set(.reward, rewardID, "note", .string(note))) }
            for caseID in caseIDs { writes.append(.add(.reward, rewardID, "cases", element: caseID)) }
            try record(writes, db)
            return try reward(rewardID, db)
        }
    }

    /// The rewards this replica holds (HQ: all; a member: their own), oldest given first.
    /// `period` keeps rewards whose period lies within it.
    public func rewards(member: String? = nil, kind: String? = nil, period: ReportPeriod = .all) throws -> [RewardView] {
        if let kind { try Check.choice(kind, in: Domain.rewardKinds, what: "reward kind") }
        return try read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM rewards WHERE (?1 IS NULL OR member_id = ?1) AND (?2 IS NULL OR kind = ?2) ORDER BY given_on, id
                """, arguments: [member, kind])
                .map { try reward($0, db) }
                .filter { view in
                    guard let text = view.period, let rewarded = try? ReportPeriod(parsing: text) else { return period == .all }
                    return period.encloses(rewarded)
                }
        }
    }

    /// The candidates of a month (`YYYY-MM`): the outside monitors of its top `count` ranks by
    /// points, marked when their gift certificate is recorded, and the outside monitors' reform
    /// tasks selected that month still without an appreciation letter.
    public func rewardCandidates(month: String, count: Int = 3, policy: PointsPolicy = .embedded) throws -> RewardCandidates.Proposal {
        let period = try ReportPeriod(parsing: month)
        guard case .month = period else {
            throw SyncError(.invalidValue, "'\(month.prefix(20))' is not a month; write it as YYYY-MM (e.g. 2005-03)")
        }
        guard count >= 1 else { throw SyncError(.invalidValue, "--count must be at least 1") }
        return try read { db in try RewardCandidates.propose(policy: policy, month: period, count: count, db) }
    }

    /// The appreciation letter of a reward, ready to print (`RewardLetter.html`), signed by
    /// `agency`. Other kinds of reward have no letter.
    public func rewardLetter(_ id: String, agency: String = RewardLetter.defaultAgency) throws -> RewardLetter {
        try Check.text(agency, what: "agency name", max: 200)
        return try read { db in
            let view = try reward(id, db)
            guard view.kind == "appreciation-letter" else {
                throw SyncError(.invalidValue, "reward \(id) is a \(view.kind ?? "reward of no kind"); only appreciation letters are printed")
            }
            guard let member = view.member else {
                throw SyncError(.invalidValue, "reward \(id) names no member to address the letter to")
            }
            let name = try String.fetchOne(db, sql: "SELECT name FROM members WHERE id = ?", arguments: [member]) ?? member
            var reforms: [RewardLetter.Reform] = []
            for caseID in view.cases {
                let row = try Row.fetchOne(db, sql: "SELECT ref, title FROM cases WHERE id = ?", arguments: [caseID])
                reforms.append(RewardLetter.Reform(caseID: caseID, ref: (row?["ref"] as String?) ?? caseID, title: row?["title"]))
            }
            reforms.sort { ($0.ref, $0.caseID) < ($1.ref, $1.caseID) }
            return RewardLetter(reward: id, member: member, name: name, agency: agency, givenOn: try view.givenOn ?? today(db),
                                reforms: reforms)
        }
    }

    func reward(_ id: String, _ db: Database) throws -> RewardView {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT r.*, m.name AS member_name FROM rewards r LEFT JOIN members m ON m.id = r.member_id WHERE r.id = ?
            """, arguments: [id]) else {
            throw SyncError(.notFound, "unknown reward '\(id.prefix(64))'; list them with `field reward list`")
        }
        let behind = try Row.fetchAll(db, sql: """
            SELECT rc.case_id, c.ref FROM reward_cases rc LEFT JOIN cases c ON c.id = rc.case_id WHERE rc.reward_id = ? ORDER BY rc.case_id
            """, arguments: [id])
        return RewardView(id: row["id"], kind: row["kind"], member: row["member_id"], name: row["member_name"],
                          division: row["division"], period: row["period"], givenOn: row["given_on"],
                          amount: (row["amount"] as Int64?).map(Int.init), note: row["note"],
                          cases: behind.map { $0[0] }, refs: behind.map { ($0[1] as String?) ?? $0[0] })
    }
}
