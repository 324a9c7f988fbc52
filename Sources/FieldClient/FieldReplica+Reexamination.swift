import GRDB
import SyncCore

/// A re-examination on a case: the submitter's request and grounds, and the dispute
/// arbitration's outcome and reason.
public struct ReexaminationView: Codable, Sendable, Equatable {
    public var requestedOn: String?
    public var reason: String?
    /// The dispute-arbitration meeting (the Consultation of Arbitrating Dispute) that heard it.
    public var meeting: String?
    /// `upheld` or `overturned` once arbitrated.
    public var outcome: String?
    public var outcomeOn: String?
    public var outcomeReason: String?
    /// The decision standing after the arbitration (`accepted` or `rejected`).
    public var decision: String?
    public var notifiedOn: String?
}

/// Re-examination and dispute arbitration (issue 15). A customer unsatisfied with a decision
/// asks for a re-examination (the submitter on their own replica, or staff for them); the case
/// reopens (`in-arbitration`) to a Consultation of Arbitrating Dispute, a `dispute-arbitration`
/// meeting sitting with the consultation council, whose outcome upholds or overturns the
/// decision, with its reason, reported back to the submitter like any decision
/// (`arbitration-notified`). Every step is a milestone, so it merges like the rest of the ladder.
extension FieldReplica {
    /// Asks for a re-examination of a decided case, on `on` (default today), with the grounds.
    /// Staff may name the dispute-arbitration meeting that will hear it (it is put on its agenda).
    @discardableResult
    public func requestReexamination(_ idOrRef: String, reason: String, meeting: String? = nil, on: String? = nil) throws -> CaseDetail {
        try Check.text(reason, what: "reason", max: 5_000)
        try write { db in
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            let reached = try milestones(id, db)
            if reached.contains("reexamination-requested") {
                throw SyncError(.conflict, "a re-examination of case \(idOrRef) was asked for already; see `field case show \(idOrRef)`")
            }
            if let denial = AccessPolicy.reexaminationDenial(idOrRef, CaseFacts(submitter: nil, branch: nil, milestones: reached)) {
                throw SyncError(.conflict, denial.reason)
            }
            if let decided = try Self.decisionDate(id, db), date < decided {
                throw SyncError(.invalidValue, "re-examination asked on \(date), before the decision of \(decided)")
            }
            var writes: [FieldWrite] = [.reach(.case, id, "reexamination-requested"), Self.milestoneDate(id, "reexamination-requested", date),
                                        .set(.case, id, "reexaminationReason", .string(reason))]
            if let meeting { writes += try arbitrationMeetingWrites(id, meeting, db) }
            try record(writes, db)
        }
        return try caseDetail(idOrRef)
    }

    /// Records the arbitration's outcome (`upheld` or `overturned`) and its reason, on `on`.
    @discardableResult
    public func arbitrate(_ idOrRef: String, outcome: String, reason: String, meeting: String? = nil, on: String? = nil) throws -> CaseDetail {
        try Check.choice(outcome, in: Domain.arbitrationOutcomes, what: "outcome")
        try Check.text(reason, what: "reason", max: 5_000)
        try write { db in
            try requireHeadquarters(db, "record the outcome of a dispute arbitration (the Consultation of Arbitrating Dispute is HQ's)")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            let reached = try milestones(id, db)
            guard reached.contains("reexamination-requested") else {
                throw SyncError(.conflict, "nobody asked for a re-examination of case \(idOrRef); record the request first (`field case reexamine \(idOrRef) --reason TEXT`)")
            }
            if let recorded = Domain.arbitrationOutcome(reached) {
                throw SyncError(.conflict, "case \(idOrRef) was arbitrated already (\(recorded)); an outcome cannot be undone")
            }
            if let asked = try String.fetchOne(db, sql: "SELECT reached_on FROM case_milestones WHERE case_id = ? AND milestone = 'reexamination-requested'",
                                               arguments: [id]), date < asked {
                throw SyncError(.invalidValue, "arbitrated on \(date), before the re-examination was asked for (\(asked))")
            }
            let milestone = "arbitration-" + outcome
            var writes: [FieldWrite] = [.reach(.case, id, milestone), Self.milestoneDate(id, milestone, date),
                                        .set(.case, id, "arbitrationReason", .string(reason))]
            if let meeting { writes += try arbitrationMeetingWrites(id, meeting, db) }
            try record(writes, db)
        }
        return try caseDetail(idOrRef)
    }

    /// Names the dispute-arbitration meeting that hears the case and puts the case on its agenda.
    func arbitrationMeetingWrites(_ caseID: String, _ meeting: String, _ db: Database) throws -> [FieldWrite] {
        guard let kind = try String.fetchOne(db, sql: "SELECT kind FROM meetings WHERE id = ?", arguments: [meeting]) else {
            throw SyncError(.notFound, "unknown meeting '\(meeting.prefix(64))'; the Consultation of Arbitrating Dispute is a meeting of kind dispute-arbitration (`field meeting list --kind dispute-arbitration`)")
        }
        guard kind == "dispute-arbitration" else {
            throw SyncError(.invalidValue, "meeting \(meeting) is a \(kind); a re-examination is heard by a dispute-arbitration meeting")
        }
        var writes: [FieldWrite] = [.set(.case, caseID, "arbitrationMeeting", .string(meeting))]
        // The case goes on the meeting's agenda where the writer runs the meeting (HQ, or the
        // branch whose meeting it is); otherwise naming it is enough and its owners set the agenda.
        let me = try me(db)
        let owner = try String.fetchOne(db, sql: "SELECT branch FROM meetings WHERE id = ?", arguments: [meeting])
        if me.role == .hq || (owner != nil && owner == me.branch) { writes.append(.add(.meeting, meeting, "agenda", element: caseID)) }
        return writes
    }

    /// The date of record of the decision on a case (the latest of accepted or rejected).
    static func decisionDate(_ id: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: """
            SELECT max(reached_on) FROM case_milestones WHERE case_id = ? AND milestone IN ('accepted', 'rejected')
            """, arguments: [id])
    }

    static func reexaminationView(_ row: Row, _ milestones: [CaseDetail.Milestone]) -> ReexaminationView? {
        let dates = Dictionary(milestones.map { ($0.milestone, $0.reachedOn) }, uniquingKeysWith: { first, _ in first })
        guard let requested = dates["reexamination-requested"] else { return nil }
        let reached = Set(dates.keys)
        let outcome = Domain.arbitrationOutcome(reached)
        return ReexaminationView(requestedOn: requested, reason: row["reexamination_reason"], meeting: row["arbitration_meeting"],
                                 outcome: outcome, outcomeOn: outcome.flatMap { dates["arbitration-" + $0] },
                                 outcomeReason: row["arbitration_reason"], decision: Domain.decision(reached),
                                 notifiedOn: dates["arbitration-notified"])
    }
}
