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
        guard let row = try Row.fetchOne(db, sql: "SELECT case_id, council_id, action, quorum, closed_hlc FROM motions WHERE id = ?",
                                         arguments: [id]) else { return nil }
        let council: String? = row[1]
        let electorate = Set(try String.fetchAll(db, sql: "SELECT member_id FROM council_members WHERE council_id = ?",
                                                 arguments: [council ?? ""]))
        var yes = 0, no = 0, abstain = 0
        var ignored: [String] = []
        var late: [String] = []
        for vote in try Row.fetchAll(db, sql: "SELECT voter_id, counted_choice, late FROM votes WHERE motion_id = ? ORDER BY voter_id",
                                     arguments: [id]) {
            let voter: String = vote[0]
            let choice: String? = vote[1]
            if (vote[2] as Int64) != 0 { late.append(voter) }
            guard electorate.contains(voter), let choice else { ignored.append(voter); continue }
            switch choice {
            case "yes": yes += 1
            case "no": no += 1
            case "abstain": abstain += 1
            default: ignored.append(voter)
            }
        }
        let quorum = Int((row[3] as Int64?) ?? 0)
        let closed = (row[4] as String?) != nil
        let counted = yes + no + abstain
        let quorumMet = counted >= quorum
        let outcome = !closed ? "open" : !quorumMet ? "no-quorum" : yes > no ? "passed" : "failed"
        return MotionTally(motion: id, caseID: row[0], council: council, action: row[2], quorum: quorum, closed: closed,
                           electorate: electorate.count, yes: yes, no: no, abstain: abstain, counted: counted,
                           ignored: ignored, late: late, quorumMet: quorumMet, outcome: outcome)
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
}

public enum SubmitterInbox {
    /// A submitter's cases, newest report first.
    public static func items(submitter: String, routing: LadderRouting = .embedded, _ db: Database) throws -> [InboxItem] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, ref, title, reported_on, step, status, decision_reason, referred_to FROM cases
            WHERE submitter = ? ORDER BY reported_on DESC, ref DESC, id
            """, arguments: [submitter])
        return try rows.map { row in
            let id: String = row[0]
            let milestones = try Row.fetchAll(db, sql: "SELECT milestone, reached_on FROM case_milestones WHERE case_id = ? ORDER BY reached_hlc",
                                              arguments: [id])
            let reached = Set(milestones.map { $0[0] as String })
            let decision = reached.contains("accepted") ? "accepted" : reached.contains("rejected") ? "rejected" : nil
            let step = (row[4] as Int64?)
            return InboxItem(caseID: id, ref: row[1], title: row[2], reportedOn: row[3], step: step.map(Int.init),
                             stepName: step.map(routing.name(ofStep:)), status: row[5], decision: decision, reason: row[6],
                             referredTo: row[7], notified: reached.contains("result-notified"),
                             lastMilestone: milestones.last?[0], lastMilestoneOn: milestones.last?[1])
        }
    }
}
