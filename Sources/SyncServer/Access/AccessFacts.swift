import SyncCore
/// What the access rules need to know about the current state, asked entity by entity.
///
/// `AccessPolicy` decides from these facts only, so the rules do not depend on how a storage
/// keeps its state: the SQLite store answers from its materialised tables, a PostgreSQL store
/// will answer from its own. Every method returns nil for an entity the server has never seen.
public protocol AccessFacts {
    func caseFacts(_ id: String) throws -> CaseFacts?
    func meetingFacts(_ id: String) throws -> MeetingFacts?
    func motionFacts(_ id: String) throws -> MotionFacts?
    func councilFacts(_ id: String) throws -> CouncilFacts?
    func memberFacts(_ id: String) throws -> MemberFacts?
    func consultationFacts(_ id: String) throws -> ConsultationFacts?
    /// Motions whose case, meeting or council register names this entity.
    func motions(referencing entity: EntityKey) throws -> [String]
    /// Meetings whose agenda contains this case.
    func meetings(withAgendaCase caseID: String) throws -> [String]
}

/// A case as far as access is concerned.
public struct CaseFacts: Sendable, Equatable {
    public var submitter: String?
    public var branch: String?
    public var milestones: Set<String>
    public init(submitter: String?, branch: String?, milestones: Set<String> = []) {
        self.submitter = submitter
        self.branch = branch
        self.milestones = milestones
    }
}

/// A meeting: its branch (nil: national) and the people taking part in it.
public struct MeetingFacts: Sendable, Equatable {
    public var branch: String?
    /// The meeting kind (`workshop` meetings are public).
    public var kind: String? = nil
    /// Members recorded as attending (confirmed or not).
    public var attendees: Set<String>
    /// Cases on the agenda.
    public var agendaCases: Set<String>
    /// Members who raised a debate subject.
    public var debaters: Set<String>
    public init(branch: String?, attendees: Set<String> = [], agendaCases: Set<String> = [], debaters: Set<String> = []) {
        self.branch = branch
        self.attendees = attendees
        self.agendaCases = agendaCases
        self.debaters = debaters
    }
}

public struct MotionFacts: Sendable, Equatable {
    public var caseID: String?
    public var meetingID: String?
    public var councilID: String?
    public init(caseID: String?, meetingID: String?, councilID: String?) {
        self.caseID = caseID
        self.meetingID = meetingID
        self.councilID = councilID
    }
}

/// A council: who sits on it (its electorate) and which branch created it (nil: HQ's).
public struct CouncilFacts: Sendable, Equatable {
    public var members: Set<String>
    public var ownerBranch: String?
    public init(members: Set<String>, ownerBranch: String?) {
        self.members = members
        self.ownerBranch = ownerBranch
    }
}

public struct MemberFacts: Sendable, Equatable {
    public var branch: String?
    public init(branch: String?) { self.branch = branch }
}

public struct ConsultationFacts: Sendable, Equatable {
    public var branch: String?
    public init(branch: String?) { self.branch = branch }
}
