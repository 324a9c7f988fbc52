import Foundation
import GRDB
import SyncCore

public struct CouncilView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    /// The electorate: members who may vote on the council's motions.
    public var members: [String]
}

public struct MotionView: Codable, Sendable, Equatable {
    public struct Vote: Codable, Sendable, Equatable {
        public var voter: String
        /// The voter's current vote.
        public var choice: String?
        /// The vote that counts: the last one cast before the motion closed (null if none).
        public var countedChoice: String?
        /// The date of record of the current vote (`--on`; a vote cast before dates of record
        /// were kept: the day of its timestamp).
        public var votedOn: String?
    }
    public var id: String
    public var caseID: String?
    public var caseRef: String?
    public var meeting: String?
    /// The date of record of the closing (`--on`; a closing recorded before dates of record
    /// were kept: the day of its timestamp); nil while open.
    public var closedOn: String?
    public var tally: MotionTally
    public var votes: [Vote]
}

extension FieldReplica {
    // MARK: - Councils

    /// Creates a council with its electorate.
    @discardableResult
    public func createCouncil(id: String? = nil, name: String, members: [String] = []) throws -> CouncilView {
        try Check.text(name, what: "council name")
        let councilID = id ?? newID("cnl")
        try Check.identifier(councilID, what: "council id")
        return try write { db in
            try requireStaff(db, "create councils")
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM councils WHERE id = ?", arguments: [councilID]) != nil {
                throw SyncError(.conflict, "council '\(councilID)' already exists; add members with `field council add-member \(councilID) MEMBER`")
            }
            for member in members { try requireMember(member, db) }
            var writes: [FieldWrite] = [.set(.council, councilID, "name", .string(name))]
            // A council made by branch staff is their branch's (HQ's councils have no branch).
            let me = try me(db)
            if me.role == .branch, let branch = me.branch { writes.append(.set(.council, councilID, "branch", .string(branch))) }
            try record(writes + members.map { .add(.council, councilID, "members", element: $0) }, db)
            return try council(councilID, db)
        }
    }

    @discardableResult
    public func councilMembers(_ councilID: String, add: [String] = [], remove: [String] = []) throws -> CouncilView {
        try write { db in
            try requireStaff(db, "change council members")
            _ = try council(councilID, db)
            var writes: [FieldWrite] = []
            for member in add {
                try requireMember(member, db)
                writes.append(.add(.council, councilID, "members", element: member))
            }
            for member in remove {
                guard try isCouncilMember(councilID, member, db) else {
                    throw SyncError(.notFound, "member \(member) is not in council \(councilID)")
                }
                writes.append(.remove(.council, councilID, "members", element: member))
            }
            try record(writes, db)
            return try council(councilID, db)
        }
    }

    /// Every council with its electorate, in two queries.
    public func councils() throws -> [CouncilView] {
        try read { db in
            var members: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT council_id, member_id FROM council_members ORDER BY member_id") {
                members[row[0], default: []].append(row[1])
            }
            return try Row.fetchAll(db, sql: "SELECT id, name FROM councils ORDER BY id").map { row in
                CouncilView(id: row[0], name: row[1], members: members[row[0] as String] ?? [])
            }
        }
    }

    public func council(_ id: String) throws -> CouncilView {
        try read { db in try council(id, db) }
    }

    func council(_ id: String, _ db: Database) throws -> CouncilView {
        guard let name = try Row.fetchOne(db, sql: "SELECT name FROM councils WHERE id = ?", arguments: [id]) else {
            throw SyncError(.notFound, "unknown council '\(id.prefix(64))'; list councils with `field council list`")
        }
        return CouncilView(id: id, name: name[0],
                           members: try String.fetchAll(db, sql: "SELECT member_id FROM council_members WHERE council_id = ? ORDER BY member_id",
                                                        arguments: [id]))
    }

    func isCouncilMember(_ councilID: String, _ member: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM council_members WHERE council_id = ? AND member_id = ?", arguments: [councilID, member]) != nil
    }

    // MARK: - Motions

    /// Puts a motion on a case before a council. The quorum defaults to a majority of the
    /// electorate. The case reaches `submitted-to-council`, on the date of record `on`
    /// (default today).
    @discardableResult
    public func createMotion(id: String? = nil, case idOrRef: String, council councilID: String, action: String,
                             quorum: Int? = nil, meeting: String? = nil, on: String? = nil) throws -> MotionView {
        try Check.choice(action, in: Domain.motionActions, what: "motion action")
        if let quorum, !(1...10_000).contains(quorum) {
            throw SyncError(.invalidValue, "quorum \(quorum) is out of range; use 1 to 10000 votes")
        }
        let motionID = id ?? newID("mot")
        try Check.identifier(motionID, what: "motion id")
        return try write { db in
            try requireStaff(db, "put motions")
            let date = try dateOfRecord(on, db)
            let caseID = try resolveCase(idOrRef, db)
            let electorate = try council(councilID, db).members
            if let meeting { try requireMeeting(meeting, db) }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM motions WHERE id = ?", arguments: [motionID]) != nil {
                throw SyncError(.conflict, "motion '\(motionID)' already exists; choose another --id")
            }
            let quorumValue = quorum ?? (electorate.count / 2 + 1)
            var writes: [FieldWrite] = [
                .set(.motion, motionID, "case", .string(caseID)),
                .set(.motion, motionID, "council", .string(councilID)),
                .set(.motion, motionID, "action", .string(action)),
                .set(.motion, motionID, "quorum", .int(Int64(quorumValue))),
            ]
            if let meeting { writes.append(.set(.motion, motionID, "meeting", .string(meeting))) }
            if try !milestones(caseID, db).contains("submitted-to-council") {
                writes.append(.reach(.case, caseID, "submitted-to-council"))
                writes.append(Self.milestoneDate(caseID, "submitted-to-council", date))
            }
            try record(writes, db)
            return try motion(motionID, db)
        }
    }

    /// Casts or changes a vote, cast on the date of record `on` (default today). Only members
    /// of the council's electorate may vote; a monitor's replica votes only for its owner. Votes
    /// on a motion this replica knows to be closed are refused. Which votes count is decided by
    /// the timestamps of the votes and of the closing, never by these dates.
    @discardableResult
    public func vote(_ motionID: String, _ choice: String, voter: String? = nil, on: String? = nil) throws -> MotionView {
        try Check.choice(choice, in: Domain.voteChoices, what: "vote")
        return try write { db in
            let date = try dateOfRecord(on, db)
            let me = try me(db)
            let voter = voter ?? me.memberID
            if voter != me.memberID && !me.role.isStaff {
                throw SyncError(.forbidden, "a monitor's replica can only cast its owner's vote (\(me.memberID)); drop --voter")
            }
            let motion = try motion(motionID, db)
            if motion.tally.closed {
                throw SyncError(.conflict, "motion \(motionID) is closed; votes after closing do not count")
            }
            let councilID = motion.tally.council ?? ""
            guard try isCouncilMember(councilID, voter, db) else {
                throw SyncError(.forbidden, "member \(voter) is not in the electorate of council \(councilID); only its members vote (add them with `field council add-member \(councilID) \(voter)`)")
            }
            try record([.set(.motion, motionID, "votes", .string(choice), key: voter),
                        .set(.motion, motionID, "voteDates", .string(date), key: voter)], db)
            return try self.motion(motionID, db)
        }
    }

    /// Closes a motion: votes cast after this (on any replica, by timestamp) do not count.
    /// The closing is dated `on` (default today). With `enact`, a motion that passed on this
    /// replica's tally takes effect on its case, on the same date of record.
    @discardableResult
    public func closeMotion(_ motionID: String, enact: Bool = false, on: String? = nil) throws -> MotionView {
        try write { db in
            try requireStaff(db, "close motions")
            let date = try dateOfRecord(on, db)
            let before = try motion(motionID, db)
            if before.tally.closed { throw SyncError(.conflict, "motion \(motionID) is already closed") }
            try record([.reach(.motion, motionID, "closed"), .set(.motion, motionID, "closedOn", .string(date))], db)
            let after = try motion(motionID, db)
            if enact, after.tally.outcome == "passed", let caseID = after.caseID {
                let reason = "motion \(motionID) passed (yes \(after.tally.yes), no \(after.tally.no), abstain \(after.tally.abstain))"
                switch after.tally.action {
                case "accept": try decideWrites(caseID, caseID, accept: true, reason: reason, on: date, db)
                case "reject": try decideWrites(caseID, caseID, accept: false, reason: reason, on: date, db)
                case "escalate": try escalate(caseID, caseID, on: date, db)
                case "refer": try referWrites(caseID, to: nil, on: date, db)
                default: break
                }
            }
            return try motion(motionID, db)
        }
    }

    public func motion(_ id: String) throws -> MotionView {
        try read { db in try motion(id, db) }
    }

    public func tally(_ id: String) throws -> MotionTally { try motion(id).tally }

    /// Motions, optionally on one case, optionally only open ones.
    /// Motions, optionally on one case, optionally only open ones, in a handful of queries
    /// whatever their number.
    public func motions(case idOrRef: String? = nil, openOnly: Bool = false) throws -> [MotionView] {
        try read { db in
            let caseID = try idOrRef.map { try resolveCase($0, db) }
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.id, m.meeting_id, c.ref, \(Self.closedOnSQL("m")) FROM motions m LEFT JOIN cases c ON c.id = m.case_id
                WHERE (?1 IS NULL OR m.case_id = ?1) AND (?2 = 0 OR m.closed_hlc IS NULL) ORDER BY m.id
                """, arguments: [caseID, openOnly ? 1 : 0])
            let ids = rows.map { $0[0] as String }
            let tallies = try MotionTally.compute(motions: ids, db)
            var votes: [String: [MotionView.Vote]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT motion_id, voter_id, choice, counted_choice, \(Self.votedOnSQL) FROM votes
                WHERE motion_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ","))) ORDER BY voter_id
                """, arguments: StatementArguments(ids)) {
                votes[row[0], default: []].append(MotionView.Vote(voter: row[1], choice: row[2], countedChoice: row[3], votedOn: row[4]))
            }
            return rows.compactMap { row in
                let id: String = row[0]
                guard let tally = tallies[id] else { return nil }
                return MotionView(id: id, caseID: tally.caseID, caseRef: row[2], meeting: row[1], closedOn: row[3], tally: tally,
                                  votes: votes[id] ?? [])
            }
        }
    }

    func motion(_ id: String, _ db: Database) throws -> MotionView {
        guard let tally = try MotionTally.compute(motion: id, db) else {
            throw SyncError(.notFound, "unknown motion '\(id.prefix(64))'; list motions with `field motion list`")
        }
        let row = try Row.fetchOne(db, sql: "SELECT meeting_id, \(Self.closedOnSQL("motions")) AS closed_on FROM motions WHERE id = ?",
                                   arguments: [id])
        let votes = try Row.fetchAll(db, sql: """
            SELECT voter_id, choice, counted_choice, \(Self.votedOnSQL) FROM votes WHERE motion_id = ? ORDER BY voter_id
            """, arguments: [id]).map { MotionView.Vote(voter: $0[0], choice: $0[1], countedChoice: $0[2], votedOn: $0[3]) }
        let ref = try tally.caseID.flatMap { try String.fetchOne(db, sql: "SELECT ref FROM cases WHERE id = ?", arguments: [$0]) }
        return MotionView(id: id, caseID: tally.caseID, caseRef: ref, meeting: row?["meeting_id"], closedOn: row?["closed_on"],
                          tally: tally, votes: votes)
    }

    /// A motion's closing date: its date of record, else (a closing from before schema 2) the
    /// UTC day of the closing's timestamp; NULL while open. `table` is the motions table's alias.
    static func closedOnSQL(_ table: String) -> String {
        "CASE WHEN \(table).closed_hlc IS NULL THEN NULL ELSE COALESCE(\(table).closed_on, \(Self.daySQL("\(table).closed_hlc"))) END"
    }

    /// A vote's date: its date of record, else the UTC day of the vote's timestamp.
    static let votedOnSQL = "COALESCE(voted_on, \(daySQL("hlc")))"

    /// The UTC day of a timestamp column (its first 15 characters are milliseconds since the epoch).
    static func daySQL(_ column: String) -> String {
        "date(CAST(substr(\(column), 1, 15) AS INTEGER) / 1000, 'unixepoch')"
    }
}
