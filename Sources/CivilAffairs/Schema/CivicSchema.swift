import SyncCore

extension EntityKind {
    /// A person: monitor, staff, outside expert or HQ.
    public static let member = EntityKind("member")
    /// A reform task, grievance or suggestion moving up the ladder.
    public static let `case` = EntityKind("case")
    /// A meeting: the weekly satisfaction meeting, a council's sitting, a workshop…
    public static let meeting = EntityKind("meeting")
    /// A council and its electorate.
    public static let council = EntityKind("council")
    /// A motion on a case before a council, and its votes.
    public static let motion = EntityKind("motion")
    /// A consultation received by a branch (call centre, desk, visit, web).
    public static let consultation = EntityKind("consultation")
    /// A customer-satisfaction survey result: a period's score, nationwide or for one branch or area.
    public static let survey = EntityKind("survey")
    /// A reward given: an appreciation letter, a gift certificate, points or a division's incentive.
    public static let reward = EntityKind("reward")
}

extension SyncSchema {
    /// The participatory civil-affairs system: every kind, declared once (see `CivicSchema`).
    public static let civic = CivicSchema.schema
}

/// The declarations of the civil-affairs domain: for each entity kind, its fields with their
/// merge rules and value types, where each is materialised, and the table's indexes. The field
/// catalog, the replica's tables (`Schemas/replica.sql`), the materialiser and the digest all
/// come from here; adding a field to cases is one line below (and `version` + 1).
public enum CivicSchema {
    /// Grows by one with every kind or field added; replicas of an older version keep syncing.
    /// 2: dates of record (`milestoneDates`, `stepDates`, `attendanceDates`, `closedOn`, `voteDates`).
    /// 3: attachments of cases and meetings (`attachments`).
    /// 4: the public reform page (`publishedOn`, `publicTitle`, `publicSummary` of cases).
    /// 5: customer-satisfaction surveys (`survey`); referral answers (`referralSentOn`,
    /// `referralDueOn`, `referralAnswer`, `referralAnsweredOn`); re-examination and dispute
    /// arbitration (four milestones, `reexaminationReason`, `arbitrationReason`, `arbitrationMeeting`);
    /// rewards and recognition (`reward`).
    public static let version = 5
    /// The field that names a case's or meeting's files (a set of records keyed by SHA-256).
    public static let attachmentsField = "attachments"

    public static let schema: SyncSchema = {
        let text = ValueType.text(maxLength: 500)
        let longText = ValueType.text(maxLength: 20_000)
        let reference = ValueType.text(maxLength: 64)
        let optionalReference = ValueType.optionalText(maxLength: 64)
        // A file attached: its name, media type and size; the element's key is its SHA-256 (hex),
        // and the bytes travel apart from the operations (`/v1/attachments`).
        let attachment = ValueType.record(["name": .text(maxLength: 255), "mediaType": .text(maxLength: 100),
                                           "bytes": .integer(1...(Int64(1) << 40))])
        return SyncSchema(name: "civicsync", version: version, entities: [
            EntityDeclaration(.member, table: "members", [
                .field("name", .register(text), .column("name", .text)),
                .field("kind", .register(.choice(Domain.memberKinds)), .column("kind", .text)),
                .field("affiliation", .register(.optionalChoice(Domain.affiliations)), .column("affiliation", .text)),
                .field("branch", .register(optionalReference), .column("branch", .text)),
                .field("division", .register(.optionalText(maxLength: 200)), .column("division", .text)),
                .field("areas", .register(.choiceList(Domain.areas)), .column("areas", .text)),
            ]),
            EntityDeclaration(.case, table: "cases", [
                .field("ref", .register(reference), .column("ref", .text)),
                .field("title", .register(text), .column("title", .text)),
                .field("body", .register(longText), .column("body", .text)),
                .field("area", .register(.choice(Domain.areas)), .column("area", .text)),
                .field("cause", .register(.choice(Domain.causes)), .column("cause", .text)),
                .field("source", .register(.choice(Domain.sources)), .column("source", .text)),
                .field("submitter", .register(reference), .column("submitter", .text)),
                .field("branch", .register(optionalReference), .column("branch", .text)),
                .field("assignee", .register(optionalReference), .column("assignee", .text)),
                .field("priority", .register(.integer(0...9)), .column("priority", .integer)),
                .field("reportedOn", .register(.date), .column("reported_on", .text)),
                .field("step", .maxInteger(Domain.steps), .column("step", .integer), keepsHistory: true),
                .derived(DerivedColumn("status", initial: "open", from: "milestones", Domain.caseStatus)),
                .field("decisionReason", .register(.optionalText(maxLength: 5_000)), .column("decision_reason", .text)),
                .field("referredTo", .register(.optionalText(maxLength: 500)), .column("referred_to", .text)),
                .field("budgetPriority", .register(.integer(0...1_000_000)), .column("budget_priority", .integer)),
                .field("milestones", .milestones(Set(Domain.caseMilestones)), .milestoneTable(table: "case_milestones", owner: "case_id")),
                .field("comments", .log(.text(maxLength: 20_000)), .logTable(table: "comments", owner: "case_id", value: "body")),
                // Version 2: the day each fact happened, when it is typed later (`--on`). The
                // facts' own operations are unchanged (their timestamps still order the merge);
                // reports read these dates. A milestone without one is dated by its timestamp.
                .field("milestoneDates", .keyedRegister(.date), .datesOf(field: "milestones", column: "reached_on")),
                .field("stepDates", .keyedRegister(.date),
                       .keyedValueTable(table: "case_steps", owner: "case_id", key: "step", value: "reached_on")),
                // Version 4: HQ's decision to publish an accepted or implemented reform on the
                // public page (`/reforms`) on a day (nil: not published, or withdrawn), and what
                // the page says changed. Nothing else of the case is shown there.
                // The page shows HQ's own title, not the case's (which members type, and staff
                // may change after publication).
                .field("publishedOn", .register(.optionalDate), .column("published_on", .text)),
                .field("publicTitle", .register(.optionalText(maxLength: 500)), .column("public_title", .text)),
                .field("publicSummary", .register(.optionalText(maxLength: 2_000)), .column("public_summary", .text)),
                // Version 5: a referral waits for the other body's answer (the inter-ministry joint
                // committee, the Prime Minister's mediation council): sent on, due on, the answer
                // and the day it came.
                .field("referralSentOn", .register(.optionalDate), .column("referral_sent_on", .text)),
                .field("referralDueOn", .register(.optionalDate), .column("referral_due_on", .text)),
                .field("referralAnswer", .register(.optionalText(maxLength: 5_000)), .column("referral_answer", .text)),
                .field("referralAnsweredOn", .register(.optionalDate), .column("referral_answered_on", .text)),
                // Version 5: a re-examination: the submitter's grounds, the dispute arbitration
                // meeting that heard it and the reason of its outcome (the outcome is a milestone).
                .field("reexaminationReason", .register(.optionalText(maxLength: 5_000)), .column("reexamination_reason", .text)),
                .field("arbitrationMeeting", .register(optionalReference), .column("arbitration_meeting", .text)),
                .field("arbitrationReason", .register(.optionalText(maxLength: 5_000)), .column("arbitration_reason", .text)),
                // Version 3: files attached (a photographed paper grievance, a letter).
                .field("attachments", .addWinsSet(attachment),
                       .recordTable(table: "case_attachments", owner: "case_id", key: "sha256",
                                    members: [("name", "name"), ("mediaType", "media_type"), ("bytes", "bytes")])),
            ], indexes: [
                IndexDeclaration("cases_ref", on: "cases", ["ref"]),
                IndexDeclaration("cases_submitter", on: "cases", ["submitter"]),
                IndexDeclaration("cases_branch", on: "cases", ["branch"]),
                IndexDeclaration("comments_case", on: "comments", ["case_id", "hlc"]),
                // The server finds the records of a file by its hash (every attachment request).
                IndexDeclaration("case_attachments_sha256", on: "case_attachments", ["sha256"]),
                // The public page reads the published cases only.
                IndexDeclaration("cases_published", on: "cases", ["published_on"]),
            ]),
            EntityDeclaration(.meeting, table: "meetings", [
                .field("kind", .register(.choice(Domain.meetingKinds)), .column("kind", .text)),
                .field("title", .register(text), .column("title", .text)),
                .field("date", .register(.date), .column("date", .text)),
                .field("branch", .register(optionalReference), .column("branch", .text)),
                // The monitor who organised a workshop of their own (nil: staff ran it).
                .field("organizer", .register(optionalReference), .column("organizer", .text)),
                .field("agenda", .addWinsSet(reference), .setTable(table: "agenda_items", owner: "meeting_id", element: "case_id")),
                .field("attendance", .addWinsSet(reference), .setTable(table: "attendance", owner: "meeting_id", element: "member_id")),
                .field("confirmed", .addWinsSet(reference), .setFlag(table: "attendance", column: "confirmed")),
                .field("debateSubjects", .addWinsSet(.record(["member": reference, "subject": text])),
                       .recordTable(table: "debate_subjects", owner: "meeting_id", key: "subject_id",
                                    members: [("member", "member_id"), ("subject", "subject")])),
                // Version 2: the day a member attended, when not the meeting's date.
                .field("attendanceDates", .keyedRegister(.date), .datesOf(field: "attendance", column: "attended_on")),
                // Version 3: files attached (the signed attendance sheet, a workshop photo).
                .field("attachments", .addWinsSet(attachment),
                       .recordTable(table: "meeting_attachments", owner: "meeting_id", key: "sha256",
                                    members: [("name", "name"), ("mediaType", "media_type"), ("bytes", "bytes")])),
            ], indexes: [
                IndexDeclaration("meeting_attachments_sha256", on: "meeting_attachments", ["sha256"]),
            ]),
            EntityDeclaration(.council, table: "councils", [
                .field("name", .register(text), .column("name", .text)),
                // The branch whose staff own the council (nil: headquarters').
                .field("branch", .register(optionalReference), .column("branch", .text)),
                .field("members", .addWinsSet(reference), .setTable(table: "council_members", owner: "council_id", element: "member_id")),
            ]),
            EntityDeclaration(.motion, table: "motions", [
                .field("case", .register(reference), .column("case_id", .text)),
                .field("meeting", .register(optionalReference), .column("meeting_id", .text)),
                .field("council", .register(reference), .column("council_id", .text)),
                .field("action", .register(.choice(Domain.motionActions)), .column("action", .text)),
                .field("quorum", .register(.integer(0...10_000)), .column("quorum", .integer)),
                .field("milestones", .milestones(["closed"], seals: ["closed": "votes"]), .milestoneColumns(["closed": "closed_hlc"])),
                .field("votes", .keyedRegister(.choice(Domain.voteChoices)),
                       .keyedTable(table: "votes", owner: "motion_id", key: "voter_id", value: "choice", counted: "counted_choice", late: "late")),
                // Version 2: the days the motion was closed and each vote was cast. Which votes
                // count is still decided by the timestamps of the votes and of the closing.
                .field("closedOn", .register(.date), .column("closed_on", .text)),
                .field("voteDates", .keyedRegister(.date), .datesOf(field: "votes", column: "voted_on")),
            ]),
            EntityDeclaration(.consultation, table: "consultations", [
                .field("channel", .register(.choice(Domain.consultationChannels)), .column("channel", .text)),
                .field("branch", .register(optionalReference), .column("branch", .text)),
                .field("topic", .register(text), .column("topic", .text)),
                .field("receivedOn", .register(.date), .column("received_on", .text)),
                .field("answeredOn", .register(.optionalDate), .column("answered_on", .text)),
                .field("case", .register(optionalReference), .column("case_id", .text)),
            ]),
            // Version 5: customer-satisfaction survey results (the case study's 79.2 points in
            // 2003, 77.8 in 2004, a first quarter 1.3 points lower). The score is kept in
            // hundredths of a point, an integer, so that every replica hashes and compares the
            // same value (a JSON number with a fraction would not round-trip exactly).
            EntityDeclaration(.survey, table: "surveys", [
                // `YYYY`, `YYYY-Qn` or `YYYY-MM` (`ReportPeriod`).
                .field("period", .register(.text(maxLength: 10)), .column("period", .text)),
                .field("scoreHundredths", .register(.integer(0...10_000)), .column("score_hundredths", .integer)),
                .field("respondents", .register(.integer(1...1_000_000_000)), .column("respondents", .integer)),
                .field("source", .register(.choice(Domain.surveySources)), .column("source", .text)),
                // Nil: the agency as a whole.
                .field("branch", .register(optionalReference), .column("branch", .text)),
                .field("area", .register(.optionalChoice(Domain.areas)), .column("area", .text)),
                .field("note", .register(.optionalText(maxLength: 2_000)), .column("note", .text)),
            ], indexes: [
                IndexDeclaration("surveys_period", on: "surveys", ["period"]),
            ]),
            // Version 5: rewards and recognition. Each reward given is a fact recorded by HQ: what
            // was given, to which member (or, for an incentive, which division), for which period,
            // on which day, and the cases behind it. Amounts are whole won (or points), integers.
            EntityDeclaration(.reward, table: "rewards", [
                .field("kind", .register(.choice(Domain.rewardKinds)), .column("kind", .text)),
                // The recipient; nil for a division's incentive.
                .field("member", .register(optionalReference), .column("member_id", .text)),
                // The division given an incentive; nil for a member's reward.
                .field("division", .register(.optionalText(maxLength: 200)), .column("division", .text)),
                // What it rewards: `YYYY`, `YYYY-Qn` or `YYYY-MM` (`ReportPeriod`); a month for a gift certificate.
                .field("period", .register(.text(maxLength: 10)), .column("period", .text)),
                .field("givenOn", .register(.date), .column("given_on", .text)),
                .field("amount", .register(.integer(0...1_000_000_000_000)), .column("amount", .integer)),
                .field("note", .register(.optionalText(maxLength: 2_000)), .column("note", .text)),
                .field("cases", .addWinsSet(reference), .setTable(table: "reward_cases", owner: "reward_id", element: "case_id")),
            ], indexes: [
                IndexDeclaration("rewards_member", on: "rewards", ["member_id"]),
                IndexDeclaration("rewards_given_on", on: "rewards", ["given_on"]),
                // Whether a case already has its letter (the candidates of a month).
                IndexDeclaration("reward_cases_case", on: "reward_cases", ["case_id"]),
            ]),
        ])
    }()
}

extension FieldCatalog {
    /// The civil-affairs domain's field catalog (`SyncSchema.civic.catalog`).
    public static var civicSync: FieldCatalog { SyncSchema.civic.catalog }
}
