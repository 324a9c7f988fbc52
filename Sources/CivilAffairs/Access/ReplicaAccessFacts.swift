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

    // Tables and columns come from the civic declarations (`AccessFields`), never spelt here.
    private typealias F = AccessFields

    public func caseFacts(_ id: String) throws -> CaseFacts? {
        var found: CaseFacts?
        try db.cachedStatement(sql: """
            SELECT \(F.column(.case, "submitter")), \(F.column(.case, "branch")) FROM \(F.table(.case)) WHERE id = ?
            """).queryDirect({ $0.text(id) }) { row in
            found = CaseFacts(submitter: row.optionalText(0), branch: row.optionalText(1))
        }
        guard var facts = found else { return nil }
        let milestones = F.childTable(.case, "milestones")
        try db.cachedStatement(sql: "SELECT milestone, reached_on FROM \(milestones.table) WHERE \(milestones.owner) = ?")
            .queryDirect({ $0.text(id) }) { row in
                let milestone = row.text(0)
                facts.milestones.insert(milestone)
                if milestone == "accepted" || milestone == "rejected", let day = row.optionalText(1), day > (facts.decidedOn ?? "") {
                    facts.decidedOn = day
                }
            }
        return facts
    }

    public func meetingFacts(_ id: String) throws -> MeetingFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(F.column(.meeting, "branch")), \(F.column(.meeting, "kind")), \(F.column(.meeting, "organizer"))
            FROM \(F.table(.meeting)) WHERE id = ?
            """), arguments: [id]) else {
            return nil
        }
        func elements(_ field: String) throws -> Set<String> {
            let child = F.childTable(.meeting, field)
            return Set(try String.fetchAll(db.cachedStatement(sql: "SELECT \(child.element) FROM \(child.table) WHERE \(child.owner) = ?"),
                                           arguments: [id]))
        }
        let agenda = F.childTable(.meeting, "agenda")
        let submitters = try String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT c.\(F.column(.case, "submitter")) FROM \(agenda.table) a
            JOIN \(F.table(.case)) c ON c.id = a.\(agenda.element)
            WHERE a.\(agenda.owner) = ? AND c.\(F.column(.case, "submitter")) IS NOT NULL
            """), arguments: [id])
        return MeetingFacts(branch: row[0], kind: row[1], organizer: row[2], attendees: try elements("attendance"),
                            agendaSubmitters: Set(submitters), debaters: try elements("debateSubjects"))
    }

    public func motionFacts(_ id: String) throws -> MotionFacts? {
        var found: MotionFacts?
        try db.cachedStatement(sql: """
            SELECT \(F.column(.motion, "case")), \(F.column(.motion, "meeting")), \(F.column(.motion, "council"))
            FROM \(F.table(.motion)) WHERE id = ?
            """).queryDirect({ $0.text(id) }) { row in
            found = MotionFacts(caseID: row.optionalText(0), meetingID: row.optionalText(1), councilID: row.optionalText(2))
        }
        return found
    }

    public func councilFacts(_ id: String) throws -> CouncilFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(F.column(.council, "branch")) FROM \(F.table(.council)) WHERE id = ?"),
                                         arguments: [id]) else {
            return nil
        }
        let electorate = F.childTable(.council, "members")
        let members = try String.fetchAll(db.cachedStatement(sql: "SELECT \(electorate.element) FROM \(electorate.table) WHERE \(electorate.owner) = ?"),
                                          arguments: [id])
        var owner: String? = row[0]
        if owner == nil, visibility == .grants {
            // Councils created before councils named their branch: the server remembered the creator's branch.
            owner = try String.fetchOne(db.cachedStatement(sql: "SELECT branch FROM server_council_owners WHERE council_id = ?"), arguments: [id])
        }
        return CouncilFacts(members: Set(members), ownerBranch: owner)
    }

    public func memberFacts(_ id: String) throws -> MemberFacts? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(F.column(.member, "branch")), \(F.column(.member, "kind")) FROM \(F.table(.member)) WHERE id = ?
            """), arguments: [id])
            .map { MemberFacts(branch: $0[0], kind: $0[1]) }
    }

    public func consultationFacts(_ id: String) throws -> ConsultationFacts? {
        var found: ConsultationFacts?
        try db.cachedStatement(sql: "SELECT \(F.column(.consultation, "branch")) FROM \(F.table(.consultation)) WHERE id = ?")
            .queryDirect({ $0.text(id) }) { found = ConsultationFacts(branch: $0.optionalText(0)) }
        return found
    }

    public func surveyFacts(_ id: String) throws -> SurveyFacts? {
        var found: SurveyFacts?
        try db.cachedStatement(sql: "SELECT \(F.column(.survey, "branch")) FROM \(F.table(.survey)) WHERE id = ?")
            .queryDirect({ $0.text(id) }) { found = SurveyFacts(branch: $0.optionalText(0)) }
        return found
    }

    public func rewardFacts(_ id: String) throws -> RewardFacts? {
        var found: RewardFacts?
        try db.cachedStatement(sql: "SELECT \(F.column(.reward, "member")) FROM \(F.table(.reward)) WHERE id = ?")
            .queryDirect({ $0.text(id) }) { found = RewardFacts(member: $0.optionalText(0)) }
        return found
    }

    public func motions(referencing entity: EntityKey) throws -> [String] {
        // The motion field that names an entity of this kind (its case, meeting or council).
        guard let field = AccessPolicy.references[.motion]?.first(where: { $0.value == entity.entity })?.key else { return [] }
        return try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM \(F.table(.motion)) WHERE \(F.column(.motion, field)) = ? ORDER BY id"),
                                   arguments: [entity.id])
    }

    public func meetings(withAgendaCase caseID: String) throws -> [String] {
        let agenda = F.childTable(.meeting, "agenda")
        return try String.fetchAll(db.cachedStatement(sql: """
            SELECT \(agenda.owner) FROM \(agenda.table) WHERE \(agenda.element) = ? ORDER BY \(agenda.owner)
            """), arguments: [caseID])
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
