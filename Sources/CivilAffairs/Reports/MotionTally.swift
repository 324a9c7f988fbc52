import SyncCore
import GRDB

/// The count of a motion's votes: only the electorate's votes (members of the motion's
/// council) cast before the motion closed count (`votes.counted_choice`), so every replica that
/// has seen the same operations shows the same tally.
public struct MotionTally: Codable, Sendable, Hashable {
    public var motion: String
    public var caseID: String?
    public var council: String?
    public var action: String?
    public var quorum: Int
    public var closed: Bool
    /// Members of the council (the electorate).
    public var electorate: Int
    public var yes: Int
    public var no: Int
    public var abstain: Int
    /// Votes that count (yes + no + abstain).
    public var counted: Int
    /// Voters outside the electorate, or who voted only after closing: not counted.
    public var ignored: [String]
    /// Voters with a vote dated before the closing that the closing did not see (cast offline
    /// or on a slow clock and delivered after the close): shown, never counted.
    public var late: [String]
    public var quorumMet: Bool
    /// `open` while the motion is open; once closed `passed` (quorum met, more yes than no),
    /// `failed` (quorum met, not more yes than no) or `no-quorum`.
    public var outcome: String

    public static func compute(motion id: String, _ db: Database) throws -> MotionTally? {
        try compute(motions: [id], db)[id]
    }

    /// The tallies of several motions in three queries (motions, electorates, votes), whatever
    /// their number; `nil` ids read every motion.
    public static func compute(motions ids: [String]?, _ db: Database) throws -> [String: MotionTally] {
        let filter = ids.map { "WHERE id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ",")))" } ?? ""
        let arguments = StatementArguments(ids ?? [])
        let motions = try Row.fetchAll(db, sql: "SELECT id, case_id, council_id, action, quorum, closed_hlc FROM motions \(filter)",
                                       arguments: arguments)
        guard !motions.isEmpty else { return [:] }
        var electorates: [String: Set<String>] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT council_id, member_id FROM council_members WHERE council_id IN (SELECT council_id FROM motions \(filter))
            """, arguments: arguments) {
            electorates[row[0], default: []].insert(row[1])
        }
        var votes: [String: [Row]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT motion_id, voter_id, counted_choice, late FROM votes WHERE motion_id IN (SELECT id FROM motions \(filter))
            ORDER BY motion_id, voter_id
            """, arguments: arguments) {
            votes[row[0], default: []].append(row)
        }
        var tallies: [String: MotionTally] = [:]
        for row in motions {
            let id: String = row[0]
            let council: String? = row[2]
            let electorate = council.flatMap { electorates[$0] } ?? []
            var yes = 0, no = 0, abstain = 0
            var ignored: [String] = []
            var late: [String] = []
            for vote in votes[id] ?? [] {
                let voter: String = vote[1]
                let choice: String? = vote[2]
                if (vote[3] as Int64) != 0 { late.append(voter) }
                guard electorate.contains(voter), let choice else { ignored.append(voter); continue }
                switch choice {
                case "yes": yes += 1
                case "no": no += 1
                case "abstain": abstain += 1
                default: ignored.append(voter)
                }
            }
            let quorum = Int((row[4] as Int64?) ?? 0)
            let closed = (row[5] as String?) != nil
            let counted = yes + no + abstain
            let quorumMet = counted >= quorum
            let outcome = !closed ? "open" : !quorumMet ? "no-quorum" : yes > no ? "passed" : "failed"
            tallies[id] = MotionTally(motion: id, caseID: row[1], council: council, action: row[3], quorum: quorum, closed: closed,
                                      electorate: electorate.count, yes: yes, no: no, abstain: abstain, counted: counted,
                                      ignored: ignored, late: late, quorumMet: quorumMet, outcome: outcome)
        }
        return tallies
    }
}

/// What became of one of a submitter's cases: the agency lets submitters know the results.
public struct InboxItem: Codable, Sendable, Hashable {
    public var caseID: String
    public var ref: String?
    public var title: String?
    public var reportedOn: String?
    public var step: Int?
    public var stepName: String?
    public var status: String
    /// `accepted` or `rejected` once decided.
    public var decision: String?
    public var reason: String?
    public var referredTo: String?
    /// Whether the result was reported back (milestone `result-notified`).
    public var notified: Bool
    /// The latest milestone reached and its date.
    public var lastMilestone: String?
    public var lastMilestoneOn: String?
    /// The other body's answer to a referral, and its date.
    public var referralAnswer: String? = nil
    public var referralAnsweredOn: String? = nil
    /// A re-examination: `requested`, then `upheld` or `overturned`; the arbitration's reason,
    /// and whether its outcome was reported back.
    public var reexamination: String? = nil
    public var arbitrationReason: String? = nil
    public var arbitrationNotified: Bool = false
}

public enum SubmitterInbox {
    /// A submitter's cases, newest report first.
    public static func items(submitter: String, routing: LadderRouting = .embedded, _ db: Database) throws -> [InboxItem] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, ref, title, reported_on, step, status, decision_reason, referred_to, referral_answer, referral_answered_on,
                   arbitration_reason FROM cases
            WHERE submitter = ? ORDER BY reported_on DESC, ref DESC, id
            """, arguments: [submitter])
        // Every milestone of the submitter's cases in one query.
        var milestonesByCase: [String: [Row]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT m.case_id, m.milestone, m.reached_on FROM case_milestones m JOIN cases c ON c.id = m.case_id
            WHERE c.submitter = ? ORDER BY m.case_id, m.reached_on, m.reached_hlc
            """, arguments: [submitter]) {
            milestonesByCase[row[0], default: []].append(row)
        }
        return rows.map { row in
            let id: String = row[0]
            let milestones = (milestonesByCase[id] ?? []).map { Array($0.databaseValues.dropFirst()) }
            let reached = Set(milestones.compactMap { String.fromDatabaseValue($0[0]) })
            let decision = Domain.decision(reached)
            let step = (row[4] as Int64?)
            let reexamination = Domain.arbitrationOutcome(reached) ?? (reached.contains("reexamination-requested") ? "requested" : nil)
            return InboxItem(caseID: id, ref: row[1], title: row[2], reportedOn: row[3], step: step.map(Int.init),
                             stepName: step.map(routing.name(ofStep:)), status: row[5], decision: decision, reason: row[6],
                             referredTo: row[7], notified: reached.contains("result-notified"),
                             lastMilestone: milestones.last.flatMap { String.fromDatabaseValue($0[0]) },
                             lastMilestoneOn: milestones.last.flatMap { String.fromDatabaseValue($0[1]) },
                             referralAnswer: row[8], referralAnsweredOn: row[9], reexamination: reexamination,
                             arbitrationReason: row[10], arbitrationNotified: reached.contains("arbitration-notified"))
        }
    }
}
