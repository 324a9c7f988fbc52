import SyncCore
import GRDB

/// One line of a member's mileage-points ledger: which fact earned how many points.
public struct PointsEntry: Codable, Sendable, Hashable {
    public var member: String
    /// The day the fact happened: the milestone's `reached_on` (its date of record), the
    /// attendance's date of record, or the meeting's date.
    public var date: String
    public var criterion: String
    public var points: Int
    /// `case` or `meeting`.
    public var subjectKind: String
    /// The case id or meeting id.
    public var subjectID: String
    /// The case reference or the meeting title.
    public var subjectLabel: String
    /// Extra detail: the debate subject raised, or the meeting kind.
    public var detail: String?
}

public struct LeaderboardRow: Codable, Sendable, Hashable {
    /// Competition ranking: equal points share a rank.
    public var rank: Int
    public var member: String
    public var name: String?
    public var kind: String?
    public var branch: String?
    public var division: String?
    public var points: Int
    /// How many ledger lines the points come from.
    public var entries: Int
}

public struct DivisionRow: Codable, Sendable, Hashable {
    public var rank: Int
    /// The member's division, or `(none)`.
    public var division: String
    public var points: Int
    /// Members of the division who earned points in the period.
    public var members: Int
    /// Cases submitted by members of the division and reported in the period.
    public var findings: Int
}

/// Mileage points computed from merged facts: the same on every replica (and the server) that
/// has seen the same operations. Pure reads; nothing is stored.
public enum PointsReport {
    /// Every ledger line in `period`, optionally for one member or for the members of one
    /// branch, ordered by date, member, criterion and subject.
    public static func ledger(policy: PointsPolicy, period: ReportPeriod = .all, member: String? = nil, branch: String? = nil,
                              _ db: Database) throws -> [PointsEntry] {
        let eligible = Set(policy.eligibleMemberKinds)
        var kinds: [String: String?] = [:]
        var branches: [String: String?] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, kind, branch FROM members") {
            kinds[row[0] as String] = row[1] as String?
            branches[row[0] as String] = row[2] as String?
        }
        func earns(_ id: String) -> Bool {
            if let member, member != id { return false }
            if let branch, (branches[id] ?? nil) != branch { return false }
            if eligible.isEmpty { return true }
            guard let kind = kinds[id] ?? nil else { return false }
            return eligible.contains(kind)
        }
        var entries: [PointsEntry] = []
        for rule in policy.rules {
            // A meeting row (id, title, date, kind, member, …) earns the rule's points for its member.
            func addMeetingEntry(_ row: Row, detail: String?) {
                let who: String = row[4]
                let date: String? = row[2]
                guard earns(who), let date, period.contains(date), rule.admits(meetingKind: row[3]) else { return }
                entries.append(PointsEntry(member: who, date: date, criterion: rule.criterion, points: rule.points,
                                           subjectKind: "meeting", subjectID: row[0], subjectLabel: (row[1] as String?) ?? row[0],
                                           detail: detail))
            }
            switch rule.fact {
            case .caseMilestone:
                var facts = try Row.fetchAll(db, sql: """
                    SELECT c.id, c.ref, c.submitter, m.reached_on FROM case_milestones m JOIN cases c ON c.id = m.case_id
                    WHERE m.milestone = ? AND c.submitter IS NOT NULL
                    """, arguments: [rule.milestone ?? ""]).map { CaseFact(id: $0[0], ref: $0[1], submitter: $0[2], date: $0[3]) }
                if let decision = rule.milestone, decision == "accepted" || decision == "rejected" {
                    facts = try Self.standingDecisions(decision, facts, db)
                }
                for fact in facts {
                    guard earns(fact.submitter), period.contains(fact.date) else { continue }
                    entries.append(PointsEntry(member: fact.submitter, date: fact.date, criterion: rule.criterion, points: rule.points,
                                               subjectKind: "case", subjectID: fact.id, subjectLabel: fact.ref ?? fact.id,
                                               detail: rule.milestone))
                }
            case .debateSubject:
                let rows = try Row.fetchAll(db, sql: """
                    SELECT m.id, m.title, m.date, m.kind, d.member_id, d.subject, d.subject_id FROM debate_subjects d
                    JOIN meetings m ON m.id = d.meeting_id
                    """)
                for row in rows { addMeetingEntry(row, detail: row[5]) }
            case .meetingAttendance:
                let rows = try Row.fetchAll(db, sql: """
                    SELECT m.id, m.title, COALESCE(a.attended_on, m.date), m.kind, a.member_id FROM attendance a
                    JOIN meetings m ON m.id = a.meeting_id
                    WHERE a.confirmed = 1 OR ? = 0
                    """, arguments: [(rule.confirmedOnly ?? false) ? 1 : 0])
                for row in rows { addMeetingEntry(row, detail: row[3]) }
            }
        }
        return entries.sorted {
            ($0.date, $0.member, $0.criterion, $0.subjectID, $0.detail ?? "") < ($1.date, $1.member, $1.criterion, $1.subjectID, $1.detail ?? "")
        }
    }

    /// The rows `(case, ref, submitter, date)` of a decision milestone, corrected by dispute
    /// arbitration: a decision's points follow the decision standing (`Domain.decision`), so an
    /// acceptance overturned earns nothing and a rejection overturned earns the acceptance's,
    /// dated by the arbitration. Only overturned cases are read again.
    /// A case milestone as the ledger reads it: the case, its reference, its submitter, the day.
    struct CaseFact { var id: String; var ref: String?; var submitter: String; var date: String }

    static func standingDecisions(_ decision: String, _ facts: [CaseFact], _ db: Database) throws -> [CaseFact] {
        var overturned: [String: (reached: Set<String>, ref: String?, submitter: String, on: String)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT c.id, c.ref, c.submitter, m.milestone, o.reached_on FROM case_milestones o
            JOIN cases c ON c.id = o.case_id JOIN case_milestones m ON m.case_id = o.case_id
            WHERE o.milestone = 'arbitration-overturned' AND c.submitter IS NOT NULL
            """) {
            let id: String = row[0]
            overturned[id, default: ([], row[1], row[2], row[4])].reached.insert(row[3])
        }
        guard !overturned.isEmpty else { return facts }
        var kept = facts.filter { fact in overturned[fact.id].map { Domain.decision($0.reached) == decision } ?? true }
        let present = Set(kept.map(\.id))
        for (id, info) in overturned.sorted(by: { $0.key < $1.key })
        where Domain.decision(info.reached) == decision && !present.contains(id) {
            kept.append(CaseFact(id: id, ref: info.ref, submitter: info.submitter, date: info.on))
        }
        return kept
    }

    /// Members ranked by points in `period` (members with no points are left out).
    public static func leaderboard(policy: PointsPolicy, period: ReportPeriod = .all, limit: Int? = nil, branch: String? = nil,
                                   _ db: Database) throws -> [LeaderboardRow] {
        rank(try ledger(policy: policy, period: period, branch: branch, db), members: try memberInfo(db), limit: limit)
    }

    /// Ranks ledger lines already read (so a report can rank many months from one read).
    static func rank(_ entries: [PointsEntry], members: [String: MemberInfo], limit: Int?) -> [LeaderboardRow] {
        var totals: [String: (points: Int, entries: Int)] = [:]
        for entry in entries {
            totals[entry.member, default: (0, 0)].points += entry.points
            totals[entry.member, default: (0, 0)].entries += 1
        }
        let sorted = totals.sorted { ($1.value.points, $0.key) < ($0.value.points, $1.key) }
        var rows: [LeaderboardRow] = []
        for (index, item) in sorted.enumerated() {
            let rank = index > 0 && rows[index - 1].points == item.value.points ? rows[index - 1].rank : index + 1
            let info = members[item.key]
            rows.append(LeaderboardRow(rank: rank, member: item.key, name: info?.name, kind: info?.kind, branch: info?.branch,
                                       division: info?.division, points: item.value.points, entries: item.value.entries))
        }
        if let limit { return Array(rows.prefix(limit)) }
        return rows
    }

    /// The best monitors of one month: the top `count` ranks (ties included, so the list may be longer).
    public static func bestMonitors(policy: PointsPolicy, year: Int, month: Int, count: Int = 3,
                                    _ db: Database) throws -> [LeaderboardRow] {
        try leaderboard(policy: policy, period: .month(year, month), db).filter { $0.rank <= count }
    }

    /// Points and findings per division in `period`, best first. Members without a division
    /// are grouped under `(none)`.
    /// With `branch`, only members of that branch count (their points, their findings).
    public static func divisions(policy: PointsPolicy, period: ReportPeriod = .all, branch: String? = nil,
                                 _ db: Database) throws -> [DivisionRow] {
        divisions(try tally(policy: policy, period: period, branch: branch, db))
    }

    /// The division rows of a tally (so the divisions report ranks divisions and people from one read).
    static func divisions(_ tally: Tally) -> [DivisionRow] {
        var points: [String: Int] = [:]
        var earners: [String: Int] = [:]
        for (member, value) in tally.points {
            let division = tally.members[member]?.division ?? "(none)"
            points[division, default: 0] += value
            earners[division, default: 0] += 1
        }
        var findings: [String: Int] = [:]
        for (member, count) in tally.findings {
            findings[tally.members[member]?.division ?? "(none)", default: 0] += count
        }
        var divisions = Set(points.keys).union(findings.keys)
        for info in tally.members.values { if let division = info.division { divisions.insert(division) } }
        let sorted = divisions.sorted { (points[$1] ?? 0, findings[$1] ?? 0, $0) < (points[$0] ?? 0, findings[$0] ?? 0, $1) }
        var rows: [DivisionRow] = []
        for (index, division) in sorted.enumerated() {
            let value = points[division] ?? 0
            let rank = index > 0 && rows[index - 1].points == value ? rows[index - 1].rank : index + 1
            rows.append(DivisionRow(rank: rank, division: division, points: value, members: earners[division] ?? 0,
                                    findings: findings[division] ?? 0))
        }
        return rows
    }

    /// What each member did in a period, read once for the divisions and the rankings of individuals.
    struct Tally {
        /// Every member (of the branch, with a branch filter).
        var members: [String: MemberInfo]
        /// Points of the members with a ledger line in the period (a member with lines but zero
        /// points is here, with 0: they earned, for the count of a division's earners).
        var points: [String: Int]
        /// Cases each member submitted that were reported in the period.
        var findings: [String: Int]
        /// Cases reported in the period, assigned to the member, and accepted or implemented.
        var solved: [String: Int]
    }

    /// The statuses that make a case solved by its assignee: the agency accepted the finding
    /// (and maybe implemented it). Rejected and referred cases were closed, not solved.
    static let solvedStatuses: Set<String> = ["accepted", "implemented"]

    /// Points, findings and solved cases per member in `period`, for the members of `branch`
    /// (every member without one). A case belongs to the period of its `reported_on`, as in
    /// every report, and counts for its submitter and its assignee, whatever the case's branch.
    static func tally(policy: PointsPolicy, period: ReportPeriod, branch: String?, _ db: Database) throws -> Tally {
        var members = try memberInfo(db)
        if let branch { members = members.filter { $0.value.branch == branch } }
        var points: [String: Int] = [:]
        for entry in try ledger(policy: policy, period: period, branch: branch, db) {
            points[entry.member, default: 0] += entry.points
        }
        var findings: [String: Int] = [:]
        var solved: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT submitter, assignee, status, reported_on FROM cases") {
            guard period.contains(row[3] as String?) else { continue }
            if let submitter = row[0] as String?, members[submitter] != nil { findings[submitter, default: 0] += 1 }
            if let assignee = row[1] as String?, members[assignee] != nil, let status = row[2] as String?, solvedStatuses.contains(status) {
                solved[assignee, default: 0] += 1
            }
        }
        return Tally(members: members, points: points, findings: findings, solved: solved)
    }

    struct MemberInfo { var name: String?; var kind: String?; var branch: String?; var division: String? }

    static func memberInfo(_ db: Database) throws -> [String: MemberInfo] {
        var result: [String: MemberInfo] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name, kind, branch, division FROM members") {
            result[row[0]] = MemberInfo(name: row[1], kind: row[2], branch: row[3], division: row[4])
        }
        return result
    }
}

extension PointsPolicy.Rule {
    func admits(meetingKind: String?) -> Bool {
        guard let kinds = meetingKinds else { return true }
        return meetingKind.map(kinds.contains) ?? false
    }
}
