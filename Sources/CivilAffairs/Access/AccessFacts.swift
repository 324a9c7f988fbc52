import SyncCore

/// What the access rules need to know about the current state, asked entity by entity.
///
/// `AccessPolicy` decides from these facts only, so the rules do not depend on where the state
/// lives: the server answers from its store and its visibility grants, a field replica answers
/// from its own file (so the CLI can refuse, before recording, what the server would refuse).
/// Every `…Facts` method returns nil for an entity the state does not hold.
public protocol AccessFacts {
    func caseFacts(_ id: String) throws -> CaseFacts?
    func meetingFacts(_ id: String) throws -> MeetingFacts?
    func motionFacts(_ id: String) throws -> MotionFacts?
    func councilFacts(_ id: String) throws -> CouncilFacts?
    func memberFacts(_ id: String) throws -> MemberFacts?
    func consultationFacts(_ id: String) throws -> ConsultationFacts?
    func surveyFacts(_ id: String) throws -> SurveyFacts?
    func rewardFacts(_ id: String) throws -> RewardFacts?
    /// Motions whose case, meeting or council register names this entity.
    func motions(referencing entity: EntityKey) throws -> [String]
    /// Meetings whose agenda contains this case.
    func meetings(withAgendaCase caseID: String) throws -> [String]
    /// Whether `principal` may see an entity the state holds. On the server: whether it is
    /// granted to one of the principal's scopes. On a replica: whether the replica holds it
    /// (a replica holds only what it was shown, and what it wrote itself).
    func isVisible(_ entity: EntityKey, to principal: Principal) throws -> Bool
}

extension AccessFacts {
    /// Whether the state holds the entity at all.
    public func exists(_ entity: EntityKey) throws -> Bool {
        switch entity.entity {
        case .case: try caseFacts(entity.id) != nil
        case .meeting: try meetingFacts(entity.id) != nil
        case .motion: try motionFacts(entity.id) != nil
        case .council: try councilFacts(entity.id) != nil
        case .member: try memberFacts(entity.id) != nil
        case .consultation: try consultationFacts(entity.id) != nil
        case .survey: try surveyFacts(entity.id) != nil
        case .reward: try rewardFacts(entity.id) != nil
        default: false
        }
    }
}

/// A case as far as access is concerned.
public struct CaseFacts: Sendable, Equatable {
    public var submitter: String?
    public var branch: String?
    public var milestones: Set<String>
    /// The date of record of the latest decision (accepted or rejected): a re-examination is
    /// asked for after it.
    public var decidedOn: String?
    public init(submitter: String?, branch: String?, milestones: Set<String> = [], decidedOn: String? = nil) {
        self.submitter = submitter
        self.branch = branch
        self.milestones = milestones
        self.decidedOn = decidedOn
    }
}

/// A meeting: its branch (nil: national), its kind, the monitor who organised it (nil: staff
/// did) and the people taking part in it.
public struct MeetingFacts: Sendable, Equatable {
    public var branch: String?
    /// The meeting kind (`workshop` meetings run by staff are public).
    public var kind: String?
    /// The monitor who organised a workshop of their own.
    public var organizer: String?
    /// Members recorded as attending (confirmed or not).
    public var attendees: Set<String>
    /// The submitters of the cases on the agenda (who see the meeting that debates their case).
    /// The submitters rather than the cases: the state answers them in one read however long
    /// the agenda is, where a fact per case made every touch of a national meeting cost a
    /// read per case on its agenda.
    public var agendaSubmitters: Set<String>
    /// Members who raised a debate subject.
    public var debaters: Set<String>
    public init(branch: String?, kind: String? = nil, organizer: String? = nil, attendees: Set<String> = [],
                agendaSubmitters: Set<String> = [], debaters: Set<String> = []) {
        self.branch = branch
        self.kind = kind
        self.organizer = organizer
        self.attendees = attendees
        self.agendaSubmitters = agendaSubmitters
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

/// A council: who sits on it (its electorate) and which branch owns it (nil: HQ's).
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
    /// The member's kind (`Domain.memberKinds`), which limits who may change the record.
    public var kind: String?
    public init(branch: String?, kind: String? = nil) {
        self.branch = branch
        self.kind = kind
    }
}

public struct ConsultationFacts: Sendable, Equatable {
    public var branch: String?
    public init(branch: String?) { self.branch = branch }
}

/// A satisfaction survey: the branch it measured (nil: the agency as a whole).
public struct SurveyFacts: Sendable, Equatable {
    public var branch: String?
    public init(branch: String?) { self.branch = branch }
}

/// A reward: the member who received it (nil: a division's incentive, which only HQ sees).
public struct RewardFacts: Sendable, Equatable {
    public var member: String?
    public init(member: String?) { self.member = member }
}

/// Facts that pretend one entity does not exist: the policy judges an operation on an entity
/// the writer may not see exactly as on one that is not there, so its answer tells nothing.
struct HidingFacts: AccessFacts {
    let base: any AccessFacts
    let hidden: EntityKey

    private func shown(_ kind: EntityKind, _ id: String) -> Bool { hidden != EntityKey(kind, id) }

    func caseFacts(_ id: String) throws -> CaseFacts? { shown(.case, id) ? try base.caseFacts(id) : nil }
    func meetingFacts(_ id: String) throws -> MeetingFacts? { shown(.meeting, id) ? try base.meetingFacts(id) : nil }
    func motionFacts(_ id: String) throws -> MotionFacts? { shown(.motion, id) ? try base.motionFacts(id) : nil }
    func councilFacts(_ id: String) throws -> CouncilFacts? { shown(.council, id) ? try base.councilFacts(id) : nil }
    func memberFacts(_ id: String) throws -> MemberFacts? { shown(.member, id) ? try base.memberFacts(id) : nil }
    func consultationFacts(_ id: String) throws -> ConsultationFacts? { shown(.consultation, id) ? try base.consultationFacts(id) : nil }
    func surveyFacts(_ id: String) throws -> SurveyFacts? { shown(.survey, id) ? try base.surveyFacts(id) : nil }
    func rewardFacts(_ id: String) throws -> RewardFacts? { shown(.reward, id) ? try base.rewardFacts(id) : nil }
    func motions(referencing entity: EntityKey) throws -> [String] { try base.motions(referencing: entity) }
    func meetings(withAgendaCase caseID: String) throws -> [String] { try base.meetings(withAgendaCase: caseID) }
    func isVisible(_ entity: EntityKey, to principal: Principal) throws -> Bool {
        entity == hidden ? false : try base.isVisible(entity, to: principal)
    }
}
