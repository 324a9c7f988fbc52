import SyncCore
/// Every access rule of the server, in one place: who may write which operation (write rules)
/// and who is shown which entity (visibility). docs/ACCESS.md describes the same rules for
/// people; the tables below are the rules for the program.
///
/// The policy decides from `AccessFacts` (the server's current state) and `BatchFacts` (what a
/// push batch says about entities the server has never seen), so it is the same whatever
/// storage backs the server.
public struct AccessPolicy: Sendable {
    public init() {}

    // MARK: - The rules as data

    /// Case fields a member may write while creating a case they submit themselves.
    public static let submitterCreationFields: Set<String> = [
        "ref", "title", "body", "area", "cause", "source", "submitter", "branch", "reportedOn", "priority",
    ]
    /// Case fields a submitter may still edit on their own case, until it is examined.
    public static let submitterTextFields: Set<String> = ["title", "body", "area", "cause"]
    /// Once a case has reached any of these, its submitter can no longer edit its text.
    public static let textLockingMilestones: Set<String> = [
        "examined", "submitted-to-council", "accepted", "rejected", "implemented", "referred", "result-notified",
    ]
    /// How far ahead of the server's clock an operation's timestamp may be. Hybrid logical
    /// clocks follow the largest timestamp they see, so one device set to 2099 would otherwise
    /// date every later milestone, vote and attendance in 2099 on every replica.
    public static let maxClockAheadMilliseconds: Int64 = 24 * 3_600_000

    /// Nil when `op`'s timestamp is plausible at server time `now`.
    public func clockDenial(_ op: SyncOperation, now: Int64) -> Denial? {
        let ahead = op.hlc.wallMilliseconds - now
        guard ahead > Self.maxClockAheadMilliseconds else { return nil }
        return Denial(.clockAhead, "operation \(op.id) is dated \(ahead / 3_600_000) hours after the server's time; set the device's clock right and record the change again")
    }

    /// Fields of a national meeting that any branch's staff may record.
    public static let nationalMeetingStaffFields: Set<String> = ["attendance", "debateSubjects"]
    /// Fields of their own member record anyone may write (`kind` only with their token's kind).
    public static let ownMemberFields: Set<String> = ["name", "affiliation", "division", "areas", "branch"]

    // MARK: - Write rules

    /// Nil when `principal` may store `op`; otherwise why not. Checked per operation.
    public func authorize(_ op: SyncOperation, by principal: Principal, facts: any AccessFacts,
                          batch: BatchFacts) throws -> Denial? {
        guard op.author == principal.memberID else {
            return Denial(.authorMismatch, "operation \(op.id) is authored by '\(op.author)' but this token belongs to member '\(principal.memberID)'")
        }
        switch principal.role {
        case .hq:
            return nil
        case .branch:
            guard let staffDenial = try branchDenial(op, branch: principal.branch ?? "", facts: facts, batch: batch) else { return nil }
            // Staff are members too: they may attend, raise subjects and vote like anyone.
            return try selfServiceDenial(op, principal, facts: facts, batch: batch) == nil ? nil : staffDenial
        case .monitor:
            return try selfServiceDenial(op, principal, facts: facts, batch: batch)
        }
    }

    /// What branch staff may do: anything on the entities of their branch.
    private func branchDenial(_ op: SyncOperation, branch: String, facts: any AccessFacts, batch: BatchFacts) throws -> Denial? {
        let id = op.entityID
        func owned(_ kind: String, _ owner: String?, new: Bool) -> Denial? {
            if owner == branch { return nil }
            if new {
                return Denial(.forbidden, "new \(kind) \(id) is not filed under branch '\(branch)'; staff create \(kind)s of their own branch only")
            }
            return Denial(.forbidden, "\(kind) \(id) belongs to \(owner.map { "branch '\($0)'" } ?? "headquarters"), not to branch '\(branch)'")
        }
        switch op.entity {
        case .case:
            if let state = try facts.caseFacts(id) { return owned("case", state.branch, new: false) }
            return owned("case", batch.text(.case, id, "branch"), new: true)
        case .meeting:
            if let state = try facts.meetingFacts(id) {
                // National meetings (no branch) are run with the branches: their staff record
                // who attended and which subjects were raised, but do not confirm or reshape them.
                if state.branch == nil, Self.nationalMeetingStaffFields.contains(op.field) { return nil }
                return owned("meeting", state.branch, new: false)
            }
            return owned("meeting", batch.text(.meeting, id, "branch"), new: true)
        case .consultation:
            if let state = try facts.consultationFacts(id) { return owned("consultation", state.branch, new: false) }
            return owned("consultation", batch.text(.consultation, id, "branch"), new: true)
        case .council:
            guard let state = try facts.councilFacts(id) else { return nil } // a new council becomes the branch's own
            return owned("council", state.ownerBranch, new: false)
        case .member:
            guard let state = try facts.memberFacts(id) else { return nil } // registering a new member
            if state.branch == branch { return nil }
            return Denial(.forbidden, "member \(id) is registered \(state.branch.map { "with branch '\($0)'" } ?? "without a branch"), not with branch '\(branch)'")
        case .motion:
            let motion = try facts.motionFacts(id)
                ?? MotionFacts(caseID: batch.text(.motion, id, "case"), meetingID: batch.text(.motion, id, "meeting"),
                               councilID: batch.text(.motion, id, "council"))
            if let caseID = motion.caseID {
                let caseBranch = try facts.caseFacts(caseID).map(\.branch) ?? batch.text(.case, caseID, "branch")
                if caseBranch == branch { return nil }
            }
            if let meetingID = motion.meetingID {
                let meetingBranch = try facts.meetingFacts(meetingID).map(\.branch) ?? batch.text(.meeting, meetingID, "branch")
                if meetingBranch == branch { return nil }
            }
            if let councilID = motion.councilID, try facts.councilFacts(councilID)?.ownerBranch == branch { return nil }
            return Denial(.forbidden, "motion \(id) is neither on a case or meeting of branch '\(branch)' nor in one of its councils")
        }
    }

    /// What every member may do for themselves: submit and follow their own cases, attend,
    /// raise debate subjects, vote where they sit, keep their own member record.
    private func selfServiceDenial(_ op: SyncOperation, _ principal: Principal, facts: any AccessFacts,
                                   batch: BatchFacts) throws -> Denial? {
        let me = principal.memberID, id = op.entityID
        switch op.entity {
        case .case:
            if let state = try facts.caseFacts(id) {
                guard state.submitter == me else {
                    return Denial(.forbidden, "case \(id) is not yours: only its submitter and the staff of its branch may change it")
                }
                if op.field == "comments" { return nil }
                guard Self.submitterTextFields.contains(op.field) else {
                    return Denial(.forbidden, "a submitter may edit only the title, body, area and cause of their case and comment on it; '\(op.field)' is for staff")
                }
                if let locked = Self.textLockingMilestones.intersection(state.milestones).sorted().first {
                    return Denial(.forbidden, "case \(id) has reached '\(locked)'; its submitter can no longer edit its \(op.field)")
                }
                return nil
            }
            guard let submitter = batch.text(.case, id, "submitter") else {
                return Denial(.forbidden, "case \(id) is new to the server and this batch does not say who submitted it; push a new case's operations together")
            }
            guard submitter == me else {
                return Denial(.forbidden, "new case \(id) names '\(submitter)' as submitter; you may submit cases only as yourself")
            }
            if op.field == "comments" || Self.submitterCreationFields.contains(op.field) { return nil }
            return Denial(.forbidden, "a submitter cannot set '\(op.field)' on their new case \(id); that is for staff")
        case .meeting:
            guard let meeting = try facts.meetingFacts(id) else {
                return Denial(.notFound, "meeting \(id) does not exist on the server")
            }
            _ = meeting
            switch op.field {
            case "attendance":
                if op.key == me { return nil }
                return Denial(.forbidden, "you may record only your own attendance (key '\(me)'), not '\(op.key)'")
            case "debateSubjects":
                if op.kind == .add, op.value.objectValue?["member"]?.stringValue == me { return nil }
                if op.kind == .remove, op.key.hasPrefix(me + ".") { return nil }
                return Denial(.forbidden, "you may raise or withdraw only your own debate subjects (member '\(me)')")
            case "confirmed":
                return Denial(.forbidden, "attendance is confirmed by the staff who ran the meeting, not by the attendee")
            default:
                return Denial(.forbidden, "only the staff of meeting \(id)'s branch may change its \(op.field)")
            }
        case .motion:
            guard op.field == "votes" else {
                return Denial(.forbidden, "only staff may change a motion's \(op.field)")
            }
            guard op.key == me else {
                return Denial(.forbidden, "you may cast only your own vote (key '\(me)'), not '\(op.key)'")
            }
            guard let motion = try facts.motionFacts(id) else {
                return Denial(.notFound, "motion \(id) does not exist on the server")
            }
            guard let councilID = motion.councilID, let council = try facts.councilFacts(councilID),
                  council.members.contains(me) else {
                return Denial(.forbidden, "you do not sit on the council of motion \(id), so you cannot vote on it")
            }
            return nil
        case .member:
            guard id == me else {
                return Denial(.forbidden, "you may change only your own member record, not member \(id)'s")
            }
            if op.field == "kind" {
                if op.value.stringValue == principal.ownMemberKind { return nil }
                return Denial(.forbidden, "your token makes you '\(principal.ownMemberKind)'; you cannot record yourself as '\(op.value.stringValue ?? "?")'")
            }
            if Self.ownMemberFields.contains(op.field) { return nil }
            return Denial(.forbidden, "you cannot change '\(op.field)' on your own member record")
        case .council:
            return Denial(.forbidden, "only staff may change councils")
        case .consultation:
            return Denial(.forbidden, "only staff may record consultations")
        }
    }

    // MARK: - Visibility

    /// Who is shown an entity: every operation on it goes to every principal with one of these
    /// scopes (HQ sees everything). Per entity, so a replica holds whole entities.
    public func audience(of entity: EntityKey, facts: any AccessFacts) throws -> Set<AudienceScope> {
        var scopes: Set<AudienceScope> = []
        switch entity.entity {
        case .member:
            scopes = [.allBranches, .member(entity.id)]
        case .case:
            if let facts = try facts.caseFacts(entity.id) { scopes = caseAudience(facts) }
        case .meeting:
            guard let meeting = try facts.meetingFacts(entity.id) else { break }
            scopes.insert(meetingBranchScope(meeting))
            // Workshops are public debates: every monitor may see one and record attending it.
            if meeting.kind == "workshop" { scopes.insert(.everyone) }
            for member in meeting.attendees.union(meeting.debaters) { scopes.insert(.member(member)) }
            for caseID in meeting.agendaCases {
                if let submitter = try facts.caseFacts(caseID)?.submitter { scopes.insert(.member(submitter)) }
            }
        case .motion:
            guard let motion = try facts.motionFacts(entity.id) else { break }
            if let caseID = motion.caseID, let facts = try facts.caseFacts(caseID) { scopes.formUnion(caseAudience(facts)) }
            scopes.formUnion(try motionBranchScopes(motion, facts: facts))
            if let councilID = motion.councilID, let council = try facts.councilFacts(councilID) {
                for member in council.members { scopes.insert(.member(member)) }
            }
        case .council:
            guard let council = try facts.councilFacts(entity.id) else { break }
            for member in council.members { scopes.insert(.member(member)) }
            if let owner = council.ownerBranch { scopes.insert(.branch(owner)) }
            // Branches see the councils that decide on their motions.
            for motionID in try facts.motions(referencing: entity) {
                if let motion = try facts.motionFacts(motionID) { scopes.formUnion(try motionBranchScopes(motion, facts: facts)) }
            }
        case .consultation:
            if let branch = try facts.consultationFacts(entity.id)?.branch { scopes.insert(.branch(branch)) }
        }
        return scopes
    }

    private func caseAudience(_ facts: CaseFacts) -> Set<AudienceScope> {
        var scopes: Set<AudienceScope> = []
        if let branch = facts.branch { scopes.insert(.branch(branch)) }
        if let submitter = facts.submitter { scopes.insert(.member(submitter)) }
        return scopes
    }

    /// A meeting without a branch is national: every branch sees it.
    private func meetingBranchScope(_ meeting: MeetingFacts) -> AudienceScope {
        meeting.branch.map(AudienceScope.branch) ?? .allBranches
    }

    /// The branches a motion concerns: its case's, its meeting's, its council's owner.
    private func motionBranchScopes(_ motion: MotionFacts, facts: any AccessFacts) throws -> Set<AudienceScope> {
        var scopes: Set<AudienceScope> = []
        if let caseID = motion.caseID, let branch = try facts.caseFacts(caseID)?.branch { scopes.insert(.branch(branch)) }
        if let meetingID = motion.meetingID, let meeting = try facts.meetingFacts(meetingID) { scopes.insert(meetingBranchScope(meeting)) }
        if let councilID = motion.councilID, let owner = try facts.councilFacts(councilID)?.ownerBranch { scopes.insert(.branch(owner)) }
        return scopes
    }

    /// The entities whose audience may change when `touched` entities change: a case's motions
    /// and the meetings that have it on the agenda, a meeting's or council's motions, and the
    /// councils of all those motions.
    public func affected(by touched: Set<EntityKey>, facts: any AccessFacts) throws -> Set<EntityKey> {
        var result = touched
        for key in touched {
            switch key.entity {
            case .case:
                for motion in try facts.motions(referencing: key) { result.insert(EntityKey(.motion, motion)) }
                for meeting in try facts.meetings(withAgendaCase: key.id) { result.insert(EntityKey(.meeting, meeting)) }
            case .meeting, .council:
                for motion in try facts.motions(referencing: key) { result.insert(EntityKey(.motion, motion)) }
            case .member, .motion, .consultation:
                break
            }
        }
        for key in result where key.entity == .motion {
            if let council = try facts.motionFacts(key.id)?.councilID { result.insert(EntityKey(.council, council)) }
        }
        return result
    }
}
