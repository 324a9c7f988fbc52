import SyncCore

/// Access facts read once per entity: the server computes the audience of every entity a batch
/// touched and of those depending on them, and many share one meeting, case or council (every
/// motion of a national meeting reads that meeting and its attendees). Without the memo the
/// cost of a batch grows with the size of the shared entities, times the number of entities
/// sharing them.
///
/// For a state that does not change while the memo is used (one grant computation, inside one
/// transaction). A class because the memo is filled through the `AccessFacts` methods, which do
/// not mutate; it is never shared between threads.
public final class CachedAccessFacts: AccessFacts {
    private let base: any AccessFacts
    private var cases: [String: CaseFacts?] = [:]
    private var meetings: [String: MeetingFacts?] = [:]
    private var motions: [String: MotionFacts?] = [:]
    private var councils: [String: CouncilFacts?] = [:]

    public init(_ base: any AccessFacts) {
        self.base = base
    }

    public func caseFacts(_ id: String) throws -> CaseFacts? {
        if let known = cases[id] { return known }
        let facts = try base.caseFacts(id)
        cases[id] = .some(facts)
        return facts
    }

    public func meetingFacts(_ id: String) throws -> MeetingFacts? {
        if let known = meetings[id] { return known }
        let facts = try base.meetingFacts(id)
        meetings[id] = .some(facts)
        return facts
    }

    public func motionFacts(_ id: String) throws -> MotionFacts? {
        if let known = motions[id] { return known }
        let facts = try base.motionFacts(id)
        motions[id] = .some(facts)
        return facts
    }

    public func councilFacts(_ id: String) throws -> CouncilFacts? {
        if let known = councils[id] { return known }
        let facts = try base.councilFacts(id)
        councils[id] = .some(facts)
        return facts
    }

    public func memberFacts(_ id: String) throws -> MemberFacts? { try base.memberFacts(id) }
    public func consultationFacts(_ id: String) throws -> ConsultationFacts? { try base.consultationFacts(id) }
    public func surveyFacts(_ id: String) throws -> SurveyFacts? { try base.surveyFacts(id) }
    public func rewardFacts(_ id: String) throws -> RewardFacts? { try base.rewardFacts(id) }
    public func motions(referencing entity: EntityKey) throws -> [String] { try base.motions(referencing: entity) }
    public func meetings(withAgendaCase caseID: String) throws -> [String] { try base.meetings(withAgendaCase: caseID) }
    public func isVisible(_ entity: EntityKey, to principal: Principal) throws -> Bool { try base.isVisible(entity, to: principal) }
}
