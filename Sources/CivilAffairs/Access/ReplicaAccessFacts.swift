import GRDB
import SyncCore

/// `AccessFacts` read from the materialised tables of a replica database, inside the caller's
/// transaction (so a push, or a local write, is judged against one consistent state).
///
/// The server uses it through `visibility: .grants` (its `server_grants` table says who was
/// shown what, and legacy council owners live in `server_council_owners`); a field replica uses
/// `.heldEntities`: everything in the file is visible to its owner.
public struct ReplicaAccessFacts: AccessFacts {
    public enum Visibility: Sendable {
        /// Every entity the replica holds is visible (a field replica judging its own writes).
        case heldEntities
        /// Entities granted to one of the principal's scopes in `server_grants` (the server).
        case grants
    }

    public let db: Database
    public let visibility: Visibility

    public init(db: Database, visibility: Visibility) {
        self.db = db
        self.visibility = visibility
    }

    public func caseFacts(_ id: String) throws -> CaseFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT submitter, branch FROM cases WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        let milestones = try String.fetchAll(db.cachedStatement(sql: "SELECT milestone FROM case_milestones WHERE case_id = ?"), arguments: [id])
        return CaseFacts(submitter: row["submitter"], branch: row["branch"], milestones: Set(milestones))
    }

    public func meetingFacts(_ id: String) throws -> MeetingFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT branch, kind, organizer FROM meetings WHERE id = ?"),
                                         arguments: [id]) else {
            return nil
        }
        let attendees = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM attendance WHERE meeting_id = ?"), arguments: [id])
        let agenda = try String.fetchAll(db.cachedStatement(sql: "SELECT case_id FROM agenda_items WHERE meeting_id = ?"), arguments: [id])
        let debaters = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM debate_subjects WHERE meeting_id = ?"), arguments: [id])
        return MeetingFacts(branch: row["branch"], kind: row["kind"], organizer: row["organizer"], attendees: Set(attendees),
                            agendaCases: Set(agenda), debaters: Set(debaters))
    }

    public func motionFacts(_ id: String) throws -> MotionFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT case_id, meeting_id, council_id FROM motions WHERE id = ?"),
                                         arguments: [id]) else { return nil }
        return MotionFacts(caseID: row["case_id"], meetingID: row["meeting_id"], councilID: row["council_id"])
    }

    public func councilFacts(_ id: String) throws -> CouncilFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT branch FROM councils WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        let members = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM council_members WHERE council_id = ?"), arguments: [id])
        var owner: String? = row["branch"]
        if owner == nil, visibility == .grants {
            // Councils created before councils named their branch: the server remembered the creator's branch.
            owner = try String.fetchOne(db.cachedStatement(sql: "SELECT branch FROM server_council_owners WHERE council_id = ?"), arguments: [id])
        }
        return CouncilFacts(members: Set(members), ownerBranch: owner)
    }

    public func memberFacts(_ id: String) throws -> MemberFacts? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT branch, kind FROM members WHERE id = ?"), arguments: [id])
            .map { MemberFacts(branch: $0["branch"], kind: $0["kind"]) }
    }

    public func consultationFacts(_ id: String) throws -> ConsultationFacts? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT branch FROM consultations WHERE id = ?"), arguments: [id])
            .map { ConsultationFacts(branch: $0["branch"]) }
    }

    public func motions(referencing entity: EntityKey) throws -> [String] {
        let column: String
        switch entity.entity {
        case .case: column = "case_id"
        case .meeting: column = "meeting_id"
        case .council: column = "council_id"
        default: return []
        }
        return try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM motions WHERE \(column) = ? ORDER BY id"), arguments: [entity.id])
    }

    public func meetings(withAgendaCase caseID: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT meeting_id FROM agenda_items WHERE case_id = ? ORDER BY meeting_id"),
                            arguments: [caseID])
    }

    public func isVisible(_ entity: EntityKey, to principal: Principal) throws -> Bool {
        switch visibility {
        case .heldEntities:
            return try exists(entity)
        case .grants:
            guard let scopes = principal.scopes else { return true }
            let marks = Array(repeating: "?", count: scopes.count).joined(separator: ", ")
            return try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT 1 FROM server_grants WHERE entity = ? AND entity_id = ? AND scope IN (\(marks)) LIMIT 1
                """), arguments: StatementArguments([entity.entity.rawValue, entity.id] + scopes.map(\.description))) != nil
        }
    }
}
