import SyncCore
import GRDB

/// `AccessFacts` read from the materialised tables of the server's replica database, inside
/// the caller's transaction (so a push judges and applies against one consistent state).
struct SQLiteAccessFacts: AccessFacts {
    let db: Database

    func caseFacts(_ id: String) throws -> CaseFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT submitter, branch FROM cases WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        let milestones = try String.fetchAll(db.cachedStatement(sql: "SELECT milestone FROM case_milestones WHERE case_id = ?"), arguments: [id])
        return CaseFacts(submitter: row["submitter"], branch: row["branch"], milestones: Set(milestones))
    }

    func meetingFacts(_ id: String) throws -> MeetingFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT branch, kind FROM meetings WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        let attendees = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM attendance WHERE meeting_id = ?"), arguments: [id])
        let agenda = try String.fetchAll(db.cachedStatement(sql: "SELECT case_id FROM agenda_items WHERE meeting_id = ?"), arguments: [id])
        let debaters = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM debate_subjects WHERE meeting_id = ?"), arguments: [id])
        var facts = MeetingFacts(branch: row["branch"], attendees: Set(attendees), agendaCases: Set(agenda), debaters: Set(debaters))
        facts.kind = row["kind"]
        return facts
    }

    func motionFacts(_ id: String) throws -> MotionFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT case_id, meeting_id, council_id FROM motions WHERE id = ?"),
                                         arguments: [id]) else { return nil }
        return MotionFacts(caseID: row["case_id"], meetingID: row["meeting_id"], councilID: row["council_id"])
    }

    func councilFacts(_ id: String) throws -> CouncilFacts? {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM councils WHERE id = ?"), arguments: [id]) != nil else {
            return nil
        }
        let members = try String.fetchAll(db.cachedStatement(sql: "SELECT member_id FROM council_members WHERE council_id = ?"), arguments: [id])
        let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT branch FROM server_council_owners WHERE council_id = ?"), arguments: [id])
        return CouncilFacts(members: Set(members), ownerBranch: owner)
    }

    func memberFacts(_ id: String) throws -> MemberFacts? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT branch FROM members WHERE id = ?"), arguments: [id])
            .map { MemberFacts(branch: $0["branch"]) }
    }

    func consultationFacts(_ id: String) throws -> ConsultationFacts? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT branch FROM consultations WHERE id = ?"), arguments: [id])
            .map { ConsultationFacts(branch: $0["branch"]) }
    }

    func motions(referencing entity: EntityKey) throws -> [String] {
        let column: String
        switch entity.entity {
        case .case: column = "case_id"
        case .meeting: column = "meeting_id"
        case .council: column = "council_id"
        case .member, .motion, .consultation: return []
        }
        return try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM motions WHERE \(column) = ? ORDER BY id"), arguments: [entity.id])
    }

    func meetings(withAgendaCase caseID: String) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT meeting_id FROM agenda_items WHERE case_id = ? ORDER BY meeting_id"),
                            arguments: [caseID])
    }
}
