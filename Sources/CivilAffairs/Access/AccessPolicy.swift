import SyncCore

/// Every access rule of the system, in one place: who may write which operation (write rules)
/// and who is shown which entity (visibility). docs/ACCESS.md describes the same rules for
/// people; the tables below are the rules for the program.
///
/// The policy decides from `AccessFacts` (the current state) and `BatchFacts` (what a batch
/// says about entities the state does not hold yet), so the server judges pushes with it and a
/// field replica judges its own writes with it before recording them: offline work the server
/// would refuse is refused at once, with the same reason.
public struct AccessPolicy: Sendable {
    /// How far ahead of the server's clock an operation's timestamp may be. Hybrid logical
    /// clocks follow the largest timestamp they see, so one device whose clock runs ahead would
    /// otherwise drag every replica's clock (and every date derived from one) with it. Clients
    /// learn their offset from the server at every sync and re-date what they wrote while
    /// wrong, so the bound can be minutes.
    public var maxClockAheadMilliseconds: Int64

    /// Five minutes.
    public static let defaultMaxClockAheadMilliseconds: Int64 = 5 * 60_000

    public init(maxClockAheadMilliseconds: Int64 = AccessPolicy.defaultMaxClockAheadMilliseconds) {
        self.maxClockAheadMilliseconds = maxClockAheadMilliseconds
    }

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
    /// Fields of a national meeting that any branch's staff may record.
    public static let nationalMeetingStaffFields: Set<String> = ["attendance", "attendanceDates", "debateSubjects"]
    /// Fields of their own member record anyone may write (`kind` only with their token's kind).
    public static let ownMemberFields: Set<String> = ["name", "affiliation", "division", "areas", "branch"]
    /// The meeting kind a monitor may organise on their own.
    public static let monitorMeetingKind = "workshop"
    /// Fields a monitor sets while organising a workshop of their own.
    public static let organizerCreationFields: Set<String> = ["kind", "title", "date", "branch", "organizer", "attachments"]
    /// Fields the organiser may still change afterwards.
    public static let organizerEditableFields: Set<String> = ["title", "date", "attachments"]
    /// Fields that name another entity: writing one requires seeing (or creating) that entity,
    /// so that a write can never be a way to be shown something.
    public static let references: [EntityKind: [String: EntityKind]] = [
        .motion: ["case": .case, "meeting": .meeting, "council": .council],
        .consultation: ["case": .case],
        .meeting: ["agenda": .case],
        .case: ["arbitrationMeeting": .meeting],
        // Only HQ writes rewards (and HQ is not held to this rule); listed so that the member
        // and the cases a reward names travel with it, or before it.
        .reward: ["member": .member, "cases": .case],
    ]
    /// The entities an operation names through a reference field (what must reach the server
    /// with it, or before it).
    public static func referencedEntities(_ op: SyncOperation) -> [EntityKey] {
        guard let target = references[op.entity]?[op.field] else { return [] }
        switch op.kind {
        case .set: return op.value.stringValue.map { [EntityKey(target, $0)] } ?? []
        case .add: return [EntityKey(target, op.key)]
        default: return []
        }
    }

    /// Member kinds by rank: a writer may give or edit only kinds up to their own (`hq` is HQ's).
    public static let memberKindRank: [String: Int] = [
        "external-monitor": 1, "internal-monitor": 1, "expert": 1, "staff": 2, "hq": 3,
    ]

    /// Operations on a kind these rules do not know (a newer schema's) are for HQ alone.
    static func unknownKind(_ op: SyncOperation) -> Denial {
        Denial(.forbidden, "\(op.entity.rawValue) is not a kind this server's rules know; only headquarters may write it")
    }

    /// The one answer for an entity the writer may not see, or that does not exist: it says
    /// nothing about whose it is or whether it is there.
    public static func outOfScope(_ entity: EntityKey) -> Denial {
        Denial(.notFound, "\(entity.entity.rawValue) \(entity.id) does not exist or is outside your scope")
    }

    /// Nil when `op`'s timestamp is plausible at server time `now`.
    public func clockDenial(_ op: SyncOperation, now: Int64) -> Denial? {
        let ahead = op.hlc.wallMilliseconds - now
        guard ahead > maxClockAheadMilliseconds else { return nil }
        return Denial(.clockAhead, "operation \(op.id) is dated \(ahead / 1000) s after the server's time (at most \(maxClockAheadMilliseconds / 1000) s allowed); it stays waiting and is dated again by the device's corrected clock at the next sync")
    }

    // MARK: - Judging a batch

    /// Judges every operation of one batch written by `principal`, and returns the refused
    /// ones with their reasons (including `refused`, operations the caller refused already, for
    /// reasons of its own such as the clock).
    ///
    /// Facts about new entities come only from operations that are themselves accepted: when
    /// an operation is refused, the batch facts are built again without it and the rest is
    /// judged again, until nothing more is refused. So a decoy that is refused can never lend
    /// its facts to the operations beside it.
    public func judge(_ operations: [SyncOperation], by principal: Principal, facts: any AccessFacts,
                      refused: [OperationID: Denial] = [:]) throws -> [OperationID: Denial] {
        var denials = refused
        var candidates: [SyncOperation] = []
        var seen = Set<OperationID>()
        for op in operations where denials[op.id] == nil && seen.insert(op.id).inserted { candidates.append(op) }
        while true {
            let batch = BatchFacts(candidates)
            var kept: [SyncOperation] = []
            kept.reserveCapacity(candidates.count)
            for op in candidates {
                if let denial = try authorize(op, by: principal, facts: facts, batch: batch) {
                    denials[op.id] = denial
                } else {
                    kept.append(op)
                }
            }
            if kept.count == candidates.count { return denials }
            candidates = kept
        }
    }

    // MARK: - Write rules

    /// Nil when `principal` may store `op` given the state and the batch; otherwise why not.
    public func authorize(_ op: SyncOperation, by principal: Principal, facts: any AccessFacts,
                          batch: BatchFacts) throws -> Denial? {
        guard op.author == principal.memberID else {
            return Denial(.authorMismatch, "operation \(op.id) is authored by '\(op.author)' but this token belongs to member '\(principal.memberID)'")
        }
        if op.field == "attachments", !Self.isAttachmentHash(op.key) {
            return Denial(.invalidValue, "an attachment's key must be the SHA-256 of its bytes (64 lowercase hexadecimal digits), not '\(op.key.prefix(80))'")
        }
        if principal.role == .hq { return nil }
        if op.entity == .case, Self.headquartersCaseFields.contains(op.field) {
            return Denial(.forbidden, "publishing a reform on the public page ('\(op.field)') is headquarters' decision")
        }
        if op.entity == .case, Self.isArbitrationOutcome(op) {
            return Denial(.forbidden, "the outcome of a dispute arbitration is headquarters' (the Consultation of Arbitrating Dispute); ask HQ to record it")
        }
        let key = EntityKey(op.entity, op.entityID)
        if try facts.exists(key), try !facts.isVisible(key, to: principal) {
            // Judged as if it did not exist, so the answer is the same whether it exists or not:
            // the refusal a creation would get, or the one answer for "not there or not yours".
            return try authorize(op, by: principal, facts: HidingFacts(base: facts, hidden: key), batch: batch) ?? Self.outOfScope(key)
        }
        if let denial = try referenceDenial(op, principal, facts: facts, batch: batch) { return denial }
        switch principal.role {
        case .hq:
            return nil
        case .branch:
            guard let staffDenial = try branchDenial(op, branch: principal.branch ?? "", facts: facts, batch: batch) else { return nil }
            // Staff are members too: they may attend, raise subjects and vote like anyone.
            return try selfServiceDenial(op, principal, facts: facts, batch: batch) == nil ? nil : staffDenial
        case .monitor:
            return try selfServiceDenial(op, principal, facts: facts, batch: batch)
        case .expert:
            return try expertDenial(op, principal, facts: facts, batch: batch)
        }
    }

    /// What an outside expert may do: vote on their council's motions, comment on the cases
    /// their councils decide, keep their own member record. Nothing else: they submit no cases
    /// and run no meetings.
    private func expertDenial(_ op: SyncOperation, _ principal: Principal, facts: any AccessFacts,
                              batch: BatchFacts) throws -> Denial? {
        let me = principal.memberID
        switch op.entity {
        case .motion, .member:
            return try selfServiceDenial(op, principal, facts: facts, batch: batch)
        case .case:
            guard try facts.caseFacts(op.entityID) != nil else {
                return Denial(.forbidden, "an expert does not submit cases; ask the branch or headquarters to file it")
            }
            guard op.field == "comments" else {
                return Denial(.forbidden, "an expert may comment on the cases of their councils; '\(op.field)' is for staff")
            }
            guard try councilsDeciding(caseID: op.entityID, facts: facts).contains(where: { $0.members.contains(me) }) else {
                return Denial(.forbidden, "case \(op.entityID) is not before a council you sit on, so you cannot comment on it")
            }
            return nil
        case .reward:
            return Self.rewardDenial
        default:
            return Denial(.forbidden, "an expert votes in their councils and comments on their cases; \(op.entity.rawValue)s are for staff")
        }
    }

    /// Whether an operation records a dispute arbitration's outcome: its milestone, the date of
    /// record of that milestone, its reason. HQ's alone, so the branch whose decision is
    /// contested does not judge its own decision.
    public static func isArbitrationOutcome(_ op: SyncOperation) -> Bool {
        switch op.field {
        case "arbitrationReason": true
        case "milestones", "milestoneDates": op.key == "arbitration-upheld" || op.key == "arbitration-overturned"
        default: false
        }
    }

    /// Whether an operation is part of a submitter's request for a re-examination: the
    /// milestone, its date of record, the grounds.
    public static func isReexaminationRequest(_ op: SyncOperation) -> Bool {
        switch op.field {
        case "reexaminationReason": true
        case "milestones", "milestoneDates": op.key == "reexamination-requested"
        default: false
        }
    }

    /// A submitter unsatisfied with a decision may ask for a re-examination once it is decided,
    /// until the arbitration's outcome (and not once the reform is implemented).
    public static func reexaminationDenial(_ id: String, _ state: CaseFacts) -> Denial? {
        guard Domain.decision(state.milestones) != nil else {
            return Denial(.forbidden, "case \(id) has not been decided yet; a re-examination is asked for after a decision")
        }
        if state.milestones.contains("implemented") {
            return Denial(.forbidden, "case \(id) is implemented; its decision can no longer be re-examined")
        }
        if let outcome = Domain.arbitrationOutcome(state.milestones) {
            return Denial(.forbidden, "case \(id) was re-examined already (arbitration-\(outcome)); ask the branch for a new case")
        }
        return nil
    }
    /// Rewards are headquarters' decision alone (the customer-support team evaluates people and
    /// divisions): branch staff, monitors and experts write none, not even their own.
    static let rewardDenial = Denial(.forbidden, "only headquarters gives rewards (letters, gift certificates, points, incentives)")

    /// Case fields only headquarters writes, whoever else may write the case: what the public
    /// reform page shows.
    public static let headquartersCaseFields: Set<String> = ["publishedOn", "publicTitle", "publicSummary"]

    /// Whether `key` reads as a SHA-256 in lowercase hexadecimal: what names an attachment.
    public static func isAttachmentHash(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The councils deciding motions on case `caseID`.
    private func councilsDeciding(caseID: String, facts: any AccessFacts) throws -> [CouncilFacts] {
        var councils: [CouncilFacts] = []
        for motionID in try facts.motions(referencing: EntityKey(.case, caseID)) {
            guard let councilID = try facts.motionFacts(motionID)?.councilID, let council = try facts.councilFacts(councilID) else { continue }
            councils.append(council)
        }
        return councils
    }

    /// A write that names another entity must name one the writer sees, or one the same batch
    /// creates.
    private func referenceDenial(_ op: SyncOperation, _ principal: Principal, facts: any AccessFacts,
                                 batch: BatchFacts) throws -> Denial? {
        guard let reference = Self.referencedEntities(op).first else { return nil }
        let (target, named) = (reference.entity, reference.id)
        // Seen, or created by the same batch. (A batch "creating" an entity that exists out of
        // sight sees those operations refused, and then this one, as for one that does not exist.)
        if try facts.exists(reference), try facts.isVisible(reference, to: principal) { return nil }
        if batch.touches(reference) { return nil }
        return Denial(.notFound, "\(op.entity.rawValue) \(op.entityID) names \(target.rawValue) \(named), which does not exist or is outside your scope")
    }

    /// What branch staff may do: anything on the entities of their branch.
    private func branchDenial(_ op: SyncOperation, branch: String, facts: any AccessFacts, batch: BatchFacts) throws -> Denial? {
        let id = op.entityID
        func newEntity(_ kind: String) -> Denial? {
            // Nothing in the batch creates it: the answer for any entity one cannot see.
            guard batch.declares(EntityKey(op.entity, id)) else { return Self.outOfScope(EntityKey(op.entity, id)) }
            if batch.text(op.entity, id, "branch") == branch { return nil }
            return Denial(.forbidden, "new \(kind) \(id) is not filed under your branch '\(branch)'; staff create \(kind)s of their own branch only")
        }
        switch op.entity {
        case .case:
            guard let state = try facts.caseFacts(id) else { return newEntity("case") }
            if state.branch == branch { return nil }
            return Denial(.forbidden, "case \(id) is filed under another branch; only that branch's staff and headquarters may change it")
        case .meeting:
            guard let state = try facts.meetingFacts(id) else { return newEntity("meeting") }
            // National meetings (no branch) are run with the branches: their staff record who
            // attended and which subjects were raised, but do not confirm or reshape them.
            if state.branch == nil, Self.nationalMeetingStaffFields.contains(op.field) { return nil }
            if state.branch == branch { return nil }
            return Denial(.forbidden, "meeting \(id) is run by headquarters or another branch; only its own staff may change its \(op.field)")
        case .consultation:
            guard let state = try facts.consultationFacts(id) else { return newEntity("consultation") }
            if state.branch == branch { return nil }
            return Denial(.forbidden, "consultation \(id) is filed under another branch; only that branch's staff and headquarters may change it")
        case .survey:
            // A branch records the surveys of its own customers; the agency-wide score is HQ's.
            // Its branch may only ever be theirs: no write of a branch turns a branch's survey
            // into the agency's score, or into another branch's.
            if op.field == "branch", op.value.stringValue != branch {
                return Denial(.forbidden, "survey \(id) must stay filed under your branch '\(branch)'; the agency-wide score and other branches' are not yours to record")
            }
            guard let state = try facts.surveyFacts(id) else { return newEntity("survey") }
            if state.branch == branch { return nil }
            return Denial(.forbidden, "survey \(id) measured the whole agency or another branch; only headquarters (or that branch's staff) may change it")
        case .reward:
            return Self.rewardDenial
        case .council:
            guard let state = try facts.councilFacts(id) else { return newEntity("council") }
            if state.ownerBranch == branch { return nil }
            return Denial(.forbidden, "council \(id) belongs to headquarters or another branch; only its owners may change it")
        case .member:
            return try memberDenial(op, branch: branch, facts: facts, batch: batch)
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
            if let councilID = motion.councilID {
                let owner = try facts.councilFacts(councilID).map(\.ownerBranch) ?? batch.text(.council, councilID, "branch")
                if owner == branch { return nil }
            }
            return Denial(.forbidden, "motion \(id) is neither on a case or meeting of your branch nor in one of its councils")
        default:
            return Self.unknownKind(op)
        }
    }

    /// Branch staff register and keep the members of their branch, up to their own rank.
    private func memberDenial(_ op: SyncOperation, branch: String, facts: any AccessFacts, batch: BatchFacts) throws -> Denial? {
        let id = op.entityID
        let staffRank = Self.rank("staff")
        if op.field == "kind", let kind = op.value.stringValue, Self.rank(kind) > staffRank {
            return Denial(.forbidden, "only headquarters may record a member as '\(kind)'")
        }
        if let state = try facts.memberFacts(id) {
            if Self.rank(state.kind) > staffRank {
                return Denial(.forbidden, "member \(id) is a headquarters member; only headquarters may change the record")
            }
            if state.branch == branch { return nil }
            return Denial(.forbidden, "member \(id) is registered with another branch or with none; only its branch's staff and headquarters may change it")
        }
        if let kind = batch.text(.member, id, "kind"), Self.rank(kind) > staffRank {
            return Denial(.forbidden, "only headquarters may register a member as '\(kind)'")
        }
        if batch.text(.member, id, "branch") == branch { return nil }
        return Denial(.forbidden, "new member \(id) must be registered with your branch (branch '\(branch)') for its staff to keep it")
    }

    static func rank(_ kind: String?) -> Int { kind.flatMap { memberKindRank[$0] } ?? 0 }

    /// What every member may do for themselves: submit and follow their own cases, organise a
    /// workshop, attend, raise debate subjects, vote where they sit, keep their member record.
    private func selfServiceDenial(_ op: SyncOperation, _ principal: Principal, facts: any AccessFacts,
                                   batch: BatchFacts) throws -> Denial? {
        let me = principal.memberID, id = op.entityID
        let key = EntityKey(op.entity, id)
        switch op.entity {
        case .case:
            if let state = try facts.caseFacts(id) {
                guard state.submitter == me else {
                    return Denial(.forbidden, "case \(id) is not yours: only its submitter and the staff of its branch may change it")
                }
                // Comments and files (a photographed paper grievance) at any time; a file is
                // added, never taken away (staff may attach the agency's reply letter).
                if op.field == "comments" || (op.field == "attachments" && op.kind == .add) { return nil }
                if Self.isReexaminationRequest(op) {
                    if op.field == "milestoneDates", let day = op.value.stringValue, let decided = state.decidedOn, day < decided {
                        return Denial(.invalidValue, "a re-examination of case \(id) cannot be asked on \(day), before its decision of \(decided)")
                    }
                    return Self.reexaminationDenial(id, state)
                }
                guard Self.submitterTextFields.contains(op.field) else {
                    return Denial(.forbidden, "a submitter may edit only the title, body, area and cause of their case, comment on it and attach files; '\(op.field)' is for staff")
                }
                if let locked = Self.textLockingMilestones.intersection(state.milestones).sorted().first {
                    return Denial(.forbidden, "case \(id) has reached '\(locked)'; its submitter can no longer edit its \(op.field)")
                }
                return nil
            }
            // A new case: the batch must say who submitted it (a client pushes a new entity's
            // deciding fields first). Without it, the answer is the one for any unknown case.
            guard let submitter = batch.text(.case, id, "submitter") else { return Self.outOfScope(key) }
            guard submitter == me, op.field != "submitter" || op.value.stringValue == me else {
                return Denial(.forbidden, "new case \(id) names '\(op.field == "submitter" ? op.value.stringValue ?? "?" : submitter)' as submitter; you may submit cases only as yourself")
            }
            if op.field == "comments" || (op.field == "attachments" && op.kind == .add) || Self.submitterCreationFields.contains(op.field) { return nil }
            return Denial(.forbidden, "a submitter cannot set '\(op.field)' on their new case \(id); that is for staff")
        case .meeting:
            if let meeting = try facts.meetingFacts(id) {
                if let verdict = participation(op, me: me) { return verdict.denial }
                if meeting.organizer == me, Self.organizerEditableFields.contains(op.field),
                   op.field != "attachments" || op.kind == .add { return nil }
                return Denial(.forbidden, "only the staff of meeting \(id)'s branch may change its \(op.field)")
            }
            // A new meeting: a workshop the monitor organises, or nothing.
            guard let kind = batch.text(.meeting, id, "kind") else { return Self.outOfScope(key) }
            guard kind == Self.monitorMeetingKind, op.field != "kind" || op.value.stringValue == Self.monitorMeetingKind else {
                return Denial(.forbidden, "new meeting \(id) is a '\(op.field == "kind" ? op.value.stringValue ?? "?" : kind)'; you may organise only workshops (staff create the other meetings)")
            }
            guard batch.text(.meeting, id, "organizer") == me else {
                return Denial(.forbidden, "new workshop \(id) must name you as its organizer (field 'organizer')")
            }
            if let verdict = participation(op, me: me) { return verdict.denial }
            if Self.organizerCreationFields.contains(op.field) {
                if op.field == "organizer", op.value.stringValue != me {
                    return Denial(.forbidden, "you may name only yourself as the organizer of workshop \(id)")
                }
                return nil
            }
            return Denial(.forbidden, "an organiser sets a workshop's kind, title, date and branch and records their own attendance and subjects; '\(op.field)' is for staff")
        case .motion:
            // A vote and the day it was cast go together.
            guard op.field == "votes" || op.field == "voteDates" else {
                return Denial(.forbidden, "only staff may change a motion's \(op.field)")
            }
            guard op.key == me else {
                return Denial(.forbidden, "you may cast only your own vote (key '\(me)'), not '\(op.key)'")
            }
            guard let motion = try facts.motionFacts(id) else { return Self.outOfScope(key) }
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
        case .survey:
            return Denial(.forbidden, "only staff may record satisfaction surveys")
        case .reward:
            return Self.rewardDenial
        default:
            return Self.unknownKind(op)
        }
    }

    /// The verdict of a participation rule.
    private enum Participation {
        case allowed
        case denied(Denial)
        var denial: Denial? { if case .denied(let denial) = self { return denial } else { return nil } }
    }

    /// Attending and raising subjects as oneself; nil when the field is not about participation.
    private func participation(_ op: SyncOperation, me: String) -> Participation? {
        switch op.field {
        case "attendance", "attendanceDates":
            if op.key == me { return .allowed }
            return .denied(Denial(.forbidden, "you may record only your own attendance (key '\(me)'), not '\(op.key)'"))
        case "debateSubjects":
            let owner = Self.subjectOwner(op.key)
            if op.kind == .add, owner == me, op.value.objectValue?["member"]?.stringValue == me { return .allowed }
            if op.kind == .remove, owner == me { return .allowed }
            return .denied(Denial(.forbidden, "you may raise or withdraw only your own debate subjects (key '\(me).…', member '\(me)')"))
        case "confirmed":
            return .denied(Denial(.forbidden, "attendance is confirmed by the staff who ran the meeting, not by the attendee"))
        default:
            return nil
        }
    }

    /// The member a debate subject's key belongs to: the key is `<member>.<hash of the text>`,
    /// and member ids may themselves contain dots, so the owner is everything before the last one.
    public static func subjectOwner(_ key: String) -> String? {
        guard let dot = key.lastIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else { return nil }
        return String(key[..<dot])
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
            if let caseFacts = try facts.caseFacts(entity.id) {
                scopes = caseAudience(caseFacts)
                // The outside experts sitting on a council deciding it see it; a member who sits
                // there with a monitor's token does not (`AudienceScope.expert`).
                for council in try councilsDeciding(caseID: entity.id, facts: facts) {
                    for member in council.members { scopes.insert(.expert(member)) }
                }
            }
        case .meeting:
            guard let meeting = try facts.meetingFacts(entity.id) else { break }
            scopes.insert(meetingBranchScope(meeting))
            if let organizer = meeting.organizer {
                // A monitor's own workshop: its organiser, the branch it names, those taking part.
                scopes.insert(.member(organizer))
            } else if meeting.kind == Self.monitorMeetingKind {
                // Workshops run by staff are public debates: every monitor may see one and attend.
                scopes.insert(.everyone)
            }
            for member in meeting.attendees.union(meeting.debaters) { scopes.insert(.member(member)) }
            for submitter in meeting.agendaSubmitters { scopes.insert(.member(submitter)) }
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
        case .survey:
            // The agency-wide score concerns every branch; a branch's own score, that branch.
            guard let survey = try facts.surveyFacts(entity.id) else { break }
            scopes.insert(survey.branch.map(AudienceScope.branch) ?? .allBranches)
        case .reward:
            // A reward is between HQ and its recipient (who keeps and prints their letter); a
            // division's incentive, and the amounts given to others, stay with HQ.
            if let member = try facts.rewardFacts(entity.id)?.member { scopes.insert(.member(member)) }
        default:
            break // a kind these rules do not know is shown to HQ only
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

    /// The fields whose values decide who is shown an entity of each kind, and who is shown the
    /// entities that depend on it (`audience(of:)` reads nothing else). A batch that changes none
    /// of them, on entities that existed before, cannot change any audience: a motion's votes
    /// or a case's comments grant nothing.
    public static let audienceFields: [EntityKind: Set<String>] = [
        .case: ["submitter", "branch"],
        .meeting: ["branch", "kind", "organizer", "attendance", "debateSubjects", "agenda"],
        .motion: ["case", "meeting", "council"],
        .council: ["members", "branch"],
        .consultation: ["branch"],
        .survey: ["branch"],
        .reward: ["member"],
        .member: [],
    ]

    /// Whether an operation may change an audience (operations on kinds these rules do not
    /// know are assumed to).
    public func changesAudience(_ op: SyncOperation) -> Bool {
        Self.audienceFields[op.entity].map { $0.contains(op.field) } ?? true
    }

    /// The scopes to grant after a batch that changed the audience facts of `changed` (entities
    /// that are new, or whose `audienceFields` were written): the whole audience of those and
    /// of the entities depending on them (`affected(by:)`), except councils that are only
    /// affected through one of their motions: grants only grow, so such a council can gain
    /// nothing but that motion's branches, and its other motions are not read again. This keeps
    /// a batch's grant work independent of how many motions a council has decided.
    public func grantCandidates(changed: Set<EntityKey>, facts: any AccessFacts) throws -> [EntityKey: Set<AudienceScope>] {
        var whole = changed
        for key in changed {
            switch key.entity {
            case .case:
                for motion in try facts.motions(referencing: key) { whole.insert(EntityKey(.motion, motion)) }
                for meeting in try facts.meetings(withAgendaCase: key.id) { whole.insert(EntityKey(.meeting, meeting)) }
            case .meeting:
                for motion in try facts.motions(referencing: key) { whole.insert(EntityKey(.motion, motion)) }
            case .council:
                // Its members see its motions and the cases they decide.
                for motion in try facts.motions(referencing: key) {
                    whole.insert(EntityKey(.motion, motion))
                    if let caseID = try facts.motionFacts(motion)?.caseID { whole.insert(EntityKey(.case, caseID)) }
                }
            default:
                break
            }
        }
        // A motion put to a council shows its case to the council's members.
        for key in changed where key.entity == .motion {
            if let caseID = try facts.motionFacts(key.id)?.caseID { whole.insert(EntityKey(.case, caseID)) }
        }
        var result: [EntityKey: Set<AudienceScope>] = [:]
        for key in whole { result[key] = try audience(of: key, facts: facts) }
        for key in whole where key.entity == .motion {
            guard let motion = try facts.motionFacts(key.id), let councilID = motion.councilID else { continue }
            let council = EntityKey(.council, councilID)
            if whole.contains(council) { continue }
            result[council, default: []].formUnion(try motionBranchScopes(motion, facts: facts))
        }
        return result
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
            case .meeting:
                for motion in try facts.motions(referencing: key) { result.insert(EntityKey(.motion, motion)) }
            case .council:
                for motion in try facts.motions(referencing: key) {
                    result.insert(EntityKey(.motion, motion))
                    if let caseID = try facts.motionFacts(motion)?.caseID { result.insert(EntityKey(.case, caseID)) }
                }
            case .motion:
                if let caseID = try facts.motionFacts(key.id)?.caseID { result.insert(EntityKey(.case, caseID)) }
            default:
                break
            }
        }
        for key in result where key.entity == .motion {
            if let council = try facts.motionFacts(key.id)?.councilID { result.insert(EntityKey(.council, council)) }
        }
        return result
    }
}
