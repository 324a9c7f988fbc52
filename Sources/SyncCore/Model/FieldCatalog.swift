/// Every field of every entity kind and its merge rule: the schema that operations are checked
/// against, on replicas and on the server alike.
public struct FieldCatalog: Sendable {
    public let fields: [EntityKind: [String: FieldRule]]

    public init(fields: [EntityKind: [String: FieldRule]]) { self.fields = fields }

    public func rule(for entity: EntityKind, field: String) throws -> FieldRule {
        guard let rule = fields[entity]?[field] else {
            let known = (fields[entity] ?? [:]).keys.sorted().joined(separator: ", ")
            throw SyncError(.unknownField, "\(entity.rawValue) has no field '\(field)' (known: \(known))")
        }
        return rule
    }

    /// The catalog of the civil-affairs domain.
    public static let civicSync: FieldCatalog = {
        let text = ValueType.text(maxLength: 500)
        let longText = ValueType.text(maxLength: 20_000)
        let reference = ValueType.text(maxLength: 64)
        let optionalReference = ValueType.optionalText(maxLength: 64)
        return FieldCatalog(fields: [
            .member: [
                "name": .register(text),
                "kind": .register(.choice(Domain.memberKinds)),
                "affiliation": .register(.optionalChoice(Domain.affiliations)),
                "branch": .register(optionalReference),
                "division": .register(.optionalText(maxLength: 200)),
                "areas": .register(.choiceList(Domain.areas)),
            ],
            .case: [
                "ref": .register(reference),
                "title": .register(text),
                "body": .register(longText),
                "area": .register(.choice(Domain.areas)),
                "cause": .register(.choice(Domain.causes)),
                "source": .register(.choice(Domain.sources)),
                "submitter": .register(reference),
                "branch": .register(optionalReference),
                "assignee": .register(optionalReference),
                "priority": .register(.integer(0...9)),
                "reportedOn": .register(.date),
                "decisionReason": .register(.optionalText(maxLength: 5_000)),
                "referredTo": .register(.optionalText(maxLength: 500)),
                "budgetPriority": .register(.integer(0...1_000_000)),
                "step": .maxInteger(Domain.steps),
                "milestones": .milestones(Set(Domain.caseMilestones)),
                "comments": .log(.text(maxLength: 20_000)),
            ],
            .meeting: [
                "kind": .register(.choice(Domain.meetingKinds)),
                "title": .register(text),
                "date": .register(.date),
                "branch": .register(optionalReference),
                // The monitor who organised a workshop of their own (nil: staff ran it).
                "organizer": .register(optionalReference),
                "agenda": .addWinsSet(reference),
                "attendance": .addWinsSet(reference),
                "confirmed": .addWinsSet(reference),
                "debateSubjects": .addWinsSet(.record(["member": reference, "subject": text])),
            ],
            .council: [
                "name": .register(text),
                // The branch whose staff own the council (nil: headquarters').
                "branch": .register(optionalReference),
                "members": .addWinsSet(reference),
            ],
            .motion: [
                "case": .register(reference),
                "meeting": .register(optionalReference),
                "council": .register(reference),
                "action": .register(.choice(Domain.motionActions)),
                "quorum": .register(.integer(0...10_000)),
                "milestones": .milestones(["closed"], seals: ["closed": "votes"]),
                "votes": .keyedRegister(.choice(Domain.voteChoices)),
            ],
            .consultation: [
                "channel": .register(.choice(Domain.consultationChannels)),
                "branch": .register(optionalReference),
                "topic": .register(text),
                "receivedOn": .register(.date),
                "answeredOn": .register(.optionalDate),
                "case": .register(optionalReference),
            ],
        ])
    }()
}
