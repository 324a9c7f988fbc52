import Foundation
import GRDB
import SyncCore

/// One case in a listing.
public struct CaseSummary: Codable, Sendable, Equatable {
    public var id: String
    public var ref: String?
    public var title: String?
    public var area: String?
    public var cause: String?
    public var source: String?
    public var submitter: String?
    public var branch: String?
    public var assignee: String?
    public var step: Int?
    public var status: String
    public var reportedOn: String?
}

/// One case in full: its fields, milestones, comments, history and open conflicts.
public struct CaseDetail: Codable, Sendable, Equatable {
    public struct Milestone: Codable, Sendable, Equatable {
        public var milestone: String
        public var reachedOn: String
        public var author: String
    }
    public struct Comment: Codable, Sendable, Equatable {
        public var id: String
        public var author: String
        public var hlc: String
        public var body: String
    }
    public struct Change: Codable, Sendable, Equatable {
        public var op: String
        public var hlc: String
        public var date: String
        public var author: String
        public var field: String
        public var key: String
        public var kind: String
        public var value: JSONValue
    }
    public var summary: CaseSummary
    public var body: String?
    public var priority: Int?
    public var stepName: String?
    public var decisionReason: String?
    public var referredTo: String?
    public var budgetPriority: Int?
    public var milestones: [Milestone]
    public var comments: [Comment]
    public var history: [Change]
    public var conflicts: [Conflict]
    /// Files attached to the case (issue 14).
    public var attachments: [AttachmentView] = []
    /// When HQ published the reform on the public page (nil: not published), and what it says.
    public var publishedOn: String? = nil
    public var publicTitle: String? = nil
    public var publicSummary: String? = nil
    /// A referral's course (issue 15): sent on, due on, the other body's answer and its date.
    public var referral: ReferralView? = nil
    /// A re-examination asked for by the submitter, and the dispute arbitration's outcome.
    public var reexamination: ReexaminationView? = nil
}

/// What a new case says.
public struct NewCase: Sendable, Equatable {
    public var title: String
    public var body: String
    public var area: String
    public var cause: String
    /// Defaults to the owner's kind for monitors, `division` for staff.
    public var source: String?
    /// Defaults to the replica's owner.
    public var submitter: String?
    /// Defaults to the owner's branch.
    public var branch: String?
    public var reportedOn: String?
    public var priority: Int?

    public init(title: String, body: String, area: String, cause: String, source: String? = nil, submitter: String? = nil,
                branch: String? = nil, reportedOn: String? = nil, priority: Int? = nil) {
        self.title = title
        self.body = body
        self.area = area
        self.cause = cause
        self.source = source
        self.submitter = submitter
        self.branch = branch
        self.reportedOn = reportedOn
        self.priority = priority
    }
}

/// Filters for `cases(_:)`; nil matches everything.
public struct CaseFilter: Sendable, Equatable {
    public var step: Int?
    public var status: String?
    public var area: String?
    public var cause: String?
    public var branch: String?
    public var submitter: String?
    public var source: String?
    public init(step: Int? = nil, status: String? = nil, area: String? = nil, cause: String? = nil, branch: String? = nil,
                submitter: String? = nil, source: String? = nil) {
        self.step = step
        self.status = status
        self.area = area
        self.cause = cause
        self.branch = branch
        self.submitter = submitter
        self.source = source
    }
}

/// Fields to change on a case; nil leaves a field as it is.
public struct CaseEdit: Sendable, Equatable {
    public var title: String?
    public var body: String?
    public var area: String?
    public var cause: String?
    public var source: String?
    public var branch: String?
    public var assignee: String?
    public var priority: Int?
    public var reportedOn: String?
    public var budgetPriority: Int?
    public init(title: String? = nil, body: String? = nil, area: String? = nil, cause: String? = nil, source: String? = nil,
                branch: String? = nil, assignee: String? = nil, priority: Int? = nil, reportedOn: String? = nil,
                budgetPriority: Int? = nil) {
        self.title = title
        self.body = body
        self.area = area
        self.cause = cause
        self.source = source
        self.branch = branch
        self.assignee = assignee
        self.priority = priority
        self.reportedOn = reportedOn
        self.budgetPriority = budgetPriority
    }
}


extension FieldReplica {
    // MARK: - Create, read, edit

    /// Creates a case with a global id and a reference `PREFIX-YEAR-NNNN` unique without coordination.
    @discardableResult
    public func createCase(_ new: NewCase) throws -> CaseSummary {
        try Check.text(new.title, what: "title")
        try Check.text(new.body, what: "body", max: 20_000)
        try Check.choice(new.area, in: Domain.areas, what: "area")
        try Check.choice(new.cause, in: Domain.causes, what: "cause")
        if let source = new.source { try Check.choice(source, in: Domain.sources, what: "source") }
        if let branch = new.branch { try Check.identifier(branch, what: "branch") }
        if let reportedOn = new.reportedOn { try Check.date(reportedOn, what: "--reported-on date") }
        if let priority = new.priority, !(0...9).contains(priority) {
            throw SyncError(.invalidValue, "priority \(priority) is out of range; use 0 (none) to 9 (most urgent)")
        }
        return try write { db in
            let me = try me(db)
            let submitter = new.submitter ?? me.memberID
            try requireMember(submitter, db)
            let source = new.source ?? (me.role == .monitor ? me.memberKind : "division")
            let now = try store.correctedNow(db)
            let reportedOn = new.reportedOn ?? CivilDate(millisecondsSinceEpoch: now).description
            let year = CivilDate(millisecondsSinceEpoch: now).year
            // The counter is this replica's; skip a number only if a reference arrived from a
            // replica that was (wrongly) given the same prefix.
            var counter = me.caseCounter
            var ref = ""
            repeat {
                counter += 1
                let number = String(counter)
                ref = "\(me.refPrefix)-\(year)-\(String(repeating: "0", count: max(0, 4 - number.count)))\(number)"
            } while try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM cases WHERE ref = ?"), arguments: [ref]) != nil
            try db.cachedStatement(sql: "UPDATE field_identity SET case_counter = ? WHERE singleton = 1").execute(arguments: [counter])
            let id = newID("case")
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM cases WHERE id = ?"), arguments: [id]) == nil else {
                throw SyncError(.conflict, "the id source repeated case id \(id); try again")
            }
            var writes: [FieldWrite] = [
                .set(.case, id, "ref", .string(ref)),
                .set(.case, id, "title", .string(new.title)),
                .set(.case, id, "body", .string(new.body)),
                .set(.case, id, "area", .string(new.area)),
                .set(.case, id, "cause", .string(new.cause)),
                .set(.case, id, "source", .string(source)),
                .set(.case, id, "submitter", .string(submitter)),
                .set(.case, id, "reportedOn", .string(reportedOn)),
            ]
            if let branch = new.branch ?? me.branch { writes.append(.set(.case, id, "branch", .string(branch))) }
            if let priority = new.priority { writes.append(.set(.case, id, "priority", .int(Int64(priority)))) }
            try record(writes, db)
            return try caseSummary(id, db)
        }
    }

    /// Cases matching a filter, ordered by reference.
    public func cases(_ filter: CaseFilter = CaseFilter()) throws -> [CaseSummary] {
        if let area = filter.area { try Check.choice(area, in: Domain.areas, what: "area") }
        if let cause = filter.cause { try Check.choice(cause, in: Domain.causes, what: "cause") }
        if let source = filter.source { try Check.choice(source, in: Domain.sources, what: "source") }
        if let status = filter.status { try Check.choice(status, in: Domain.caseStatuses, what: "status") }
        if let step = filter.step, !Domain.steps.contains(Int64(step)) {
            throw SyncError(.invalidValue, "step \(step) does not exist; the ladder has steps 1 to 4")
        }
        return try read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM cases WHERE (?1 IS NULL OR step = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR area = ?3)
                AND (?4 IS NULL OR cause = ?4) AND (?5 IS NULL OR branch = ?5) AND (?6 IS NULL OR submitter = ?6)
                AND (?7 IS NULL OR source = ?7)
                ORDER BY reported_on, ref, id
                """), arguments: [filter.step, filter.status, filter.area, filter.cause, filter.branch, filter.submitter, filter.source])
                .map(Self.caseSummary)
        }
    }

    /// The global id of a case given its id or its reference.
    public func caseID(_ idOrRef: String) throws -> String {
        try read { db in try resolveCase(idOrRef, db) }
    }

    public func caseDetail(_ idOrRef: String) throws -> CaseDetail {
        try read { db in
            let id = try resolveCase(idOrRef, db)
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM cases WHERE id = ?"), arguments: [id])!
            let summary = Self.caseSummary(row)
            let milestones = try Row.fetchAll(db.cachedStatement(sql: "SELECT milestone, reached_on, author FROM case_milestones WHERE case_id = ? ORDER BY reached_on, reached_hlc"),
                                              arguments: [id]).map { CaseDetail.Milestone(milestone: $0[0], reachedOn: $0[1], author: $0[2]) }
            let comments = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, author, hlc, body FROM comments WHERE case_id = ? ORDER BY hlc"),
                                            arguments: [id]).map { CaseDetail.Comment(id: $0[0], author: $0[1], hlc: $0[2], body: $0[3]) }
            let history = try store.history(of: .case, id, db).map { logged -> CaseDetail.Change in
                let op = logged.operation
                return CaseDetail.Change(op: op.id.description, hlc: op.hlc.description,
                                         date: CivilDate(millisecondsSinceEpoch: op.hlc.wallMilliseconds).description,
                                         author: op.author, field: op.field, key: op.key, kind: op.kind.rawValue, value: op.value)
            }
            let conflicts = try store.conflicts(db).filter { $0.entity == .case && $0.entityID == id }
            return CaseDetail(summary: summary, body: row["body"], priority: row["priority"],
                              stepName: summary.step.map { routing.name(ofStep: Int64($0)) },
                              decisionReason: row["decision_reason"], referredTo: row["referred_to"],
                              budgetPriority: row["budget_priority"], milestones: milestones, comments: comments,
                              history: history, conflicts: conflicts, attachments: try attachments(of: "case", id, db),
                              publishedOn: row["published_on"], publicTitle: row["public_title"], publicSummary: row["public_summary"],
                              referral: Self.referralView(row), reexamination: Self.reexaminationView(row, milestones))
        }
    }

    /// Changes fields of a case. Writing a field that is in conflict resolves the conflict.
    @discardableResult
    public func editCase(_ idOrRef: String, _ edit: CaseEdit) throws -> CaseSummary {
        var fields: [(String, JSONValue)] = []
        if let v = edit.title { try Check.text(v, what: "title"); fields.append(("title", .string(v))) }
        if let v = edit.body { try Check.text(v, what: "body", max: 20_000); fields.append(("body", .string(v))) }
        if let v = edit.area { try Check.choice(v, in: Domain.areas, what: "area"); fields.append(("area", .string(v))) }
        if let v = edit.cause { try Check.choice(v, in: Domain.causes, what: "cause"); fields.append(("cause", .string(v))) }
        if let v = edit.source { try Check.choice(v, in: Domain.sources, what: "source"); fields.append(("source", .string(v))) }
        if let v = edit.branch { try Check.identifier(v, what: "branch"); fields.append(("branch", .string(v))) }
        if let v = edit.reportedOn { try Check.date(v, what: "--reported-on date"); fields.append(("reportedOn", .string(v))) }
        if let v = edit.priority {
            guard (0...9).contains(v) else { throw SyncError(.invalidValue, "priority \(v) is out of range; use 0 to 9") }
            fields.append(("priority", .int(Int64(v))))
        }
        if let v = edit.budgetPriority {
            guard (0...1_000_000).contains(v) else { throw SyncError(.invalidValue, "budget priority \(v) is out of range; use 0 to 1000000") }
            fields.append(("budgetPriority", .int(Int64(v))))
        }
        guard !fields.isEmpty || edit.assignee != nil else {
            throw SyncError(.invalidValue, "nothing to change; pass at least one field option (see `field case edit --help`)")
        }
        return try write { db in
            let id = try resolveCase(idOrRef, db)
            var writes = fields.map { FieldWrite.set(.case, id, $0.0, $0.1) }
            if let assignee = edit.assignee {
                try requireMember(assignee, db)
                writes.append(.set(.case, id, "assignee", .string(assignee)))
            }
            try record(writes, db)
            return try caseSummary(id, db)
        }
    }

    /// Adds a comment to a case.
    public func comment(_ idOrRef: String, _ text: String) throws {
        try Check.text(text, what: "comment", max: 20_000)
        try write { db in
            let id = try resolveCase(idOrRef, db)
            try record([.append(.case, id, "comments", text)], db)
        }
    }

    // MARK: - The ladder

    public struct LadderResult: Codable, Sendable, Equatable {
        public var caseID: String
        public var ref: String?
        public var step: Int?
        public var stepName: String?
        public var status: String
        /// False when the case already was where the command would put it.
        public var changed: Bool
        /// The date of record of the fact the command recorded (`--on`, default today); nil
        /// when nothing was recorded.
        public var on: String?
    }

    /// Routes a case to its first step by cause (the routing table), on the date of record
    /// `on` (default today). A case already at that step or higher stays where it is
    /// (`changed` is false).
    @discardableResult
    public func route(_ idOrRef: String, on: String? = nil) throws -> LadderResult {
        try write { db in
            try requireStaff(db, "route cases")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            let summary = try caseSummary(id, db)
            guard let cause = summary.cause else {
                throw SyncError(.conflict, "case \(idOrRef) has no cause; set one with `field case edit \(idOrRef) --cause CAUSE`")
            }
            let target = try routing.step(forCause: cause)
            if let step = summary.step, Int64(step) >= target { return try ladderResult(id, changed: false, db) }
            try record([.raise(.case, id, "step", to: target), Self.stepDate(id, target, date)], db)
            return try ladderResult(id, changed: true, on: date, db)
        }
    }

    /// Moves a case up one step, on the date of record `on` (default today). At the last step
    /// the case cannot go higher: refer it instead.
    @discardableResult
    public func escalate(_ idOrRef: String, on: String? = nil) throws -> LadderResult {
        try write { db in
            try requireStaff(db, "escalate cases")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            try escalate(id, idOrRef, on: date, db)
            return try ladderResult(id, changed: true, on: date, db)
        }
    }

    /// The date of record of the step a case reaches.
    static func stepDate(_ id: String, _ step: Int64, _ date: String) -> FieldWrite {
        .set(.case, id, "stepDates", .string(date), key: String(step))
    }

    /// The date of record of a milestone a case reaches.
    static func milestoneDate(_ id: String, _ milestone: String, _ date: String) -> FieldWrite {
        .set(.case, id, "milestoneDates", .string(date), key: milestone)
    }

    func escalate(_ id: String, _ label: String, on date: String, _ db: Database) throws {
        let summary = try caseSummary(id, db)
        guard let step = summary.step else {
            throw SyncError(.conflict, "case \(label) has not been routed yet; run `field case route \(label)` first")
        }
        guard Int64(step) < routing.lastStep else {
            throw SyncError(.conflict, "case \(label) is already at step \(step) (\(routing.name(ofStep: Int64(step)))), the top of the ladder; refer it onward with `field case refer \(label)`")
        }
        try record([.raise(.case, id, "step", to: Int64(step) + 1), Self.stepDate(id, Int64(step) + 1, date)], db)
    }

    /// Refers a case onward (by default to the inter-ministry joint committee), on the date of
    /// record `on` (default today).
    @discardableResult
    public func refer(_ idOrRef: String, to body: String? = nil, on: String? = nil, due: String? = nil,
                      dueDays: Int? = nil) throws -> LadderResult {
        if let body { try Check.text(body, what: "referral body") }
        if let due { try Check.date(due, what: "--due date") }
        if let dueDays, !(1...3_650).contains(dueDays) { throw SyncError(.invalidValue, "--due-days must be from 1 to 3650") }
        return try write { db in
            try requireStaff(db, "refer cases")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            let dueOn = due ?? ReferralReport.dueDate(sentOn: date, days: dueDays ?? ReferralReport.defaultAnswerDays)
            if dueOn < date { throw SyncError(.invalidValue, "--due \(dueOn) is before the day the referral was sent (\(date))") }
            try referWrites(id, to: body, on: date, due: dueOn, db)
            return try ladderResult(id, changed: true, on: date, db)
        }
    }

    func referWrites(_ id: String, to body: String?, on date: String, due: String? = nil, _ db: Database) throws {
        // Referred again (to another body): the earlier answer was to the earlier referral.
        var cleared: [FieldWrite] = []
        if try String.fetchOne(db, sql: "SELECT referral_answered_on FROM cases WHERE id = ?", arguments: [id]) != nil {
            cleared = [.set(.case, id, "referralAnswer", .null), .set(.case, id, "referralAnsweredOn", .null)]
        }
        try record(cleared + [.set(.case, id, "referredTo", .string(body ?? routing.referral)), .reach(.case, id, "referred"),
                    Self.milestoneDate(id, "referred", date), .set(.case, id, "referralSentOn", .string(date)),
                    .set(.case, id, "referralDueOn", .string(due ?? ReferralReport.dueDate(sentOn: date)))], db)
    }

    /// Milestones recorded with `milestone(_:_:)`; decisions and referrals have their own calls.
    public static let plainMilestones = ["agency-responsible", "examined", "submitted-to-council", "implemented", "result-notified",
                                         "arbitration-notified"]

    /// Records that a case reached a milestone (a fact that cannot be undone) on the date of
    /// record `on` (default today). For a milestone already reached, `on` corrects its date of
    /// record (the milestone keeps the operation that first reached it).
    @discardableResult
    public func milestone(_ idOrRef: String, _ milestone: String, on: String? = nil) throws -> LadderResult {
        if milestone == "accepted" || milestone == "rejected" {
            throw SyncError(.invalidValue, "'\(milestone)' is a decision; record it with `field case decide CASE \(milestone == "accepted" ? "accept" : "reject") --reason TEXT`")
        }
        if milestone == "referred" {
            throw SyncError(.invalidValue, "refer a case with `field case refer CASE`")
        }
        if milestone == "reexamination-requested" || milestone.hasPrefix("arbitration-") && milestone != "arbitration-notified" {
            throw SyncError(.invalidValue, "'\(milestone)' belongs to a re-examination: `field case reexamine CASE --reason TEXT`, then `field case arbitrate CASE --outcome upheld|overturned --reason TEXT`")
        }
        try Check.choice(milestone, in: Self.plainMilestones, what: "milestone")
        return try write { db in
            let id = try resolveCase(idOrRef, db)
            if milestone != "result-notified" { try requireStaff(db, "record milestones") }
            let date = try dateOfRecord(on, db)
            let reached = try milestones(id, db)
            if milestone == "implemented" && Domain.caseStatus(reached) != "accepted" && !reached.contains("implemented") {
                throw SyncError(.conflict, "case \(idOrRef) is \(Domain.caseStatus(reached)); only accepted reform tasks can be implemented")
            }
            if milestone == "arbitration-notified" && !reached.contains("arbitration-upheld") && !reached.contains("arbitration-overturned") {
                throw SyncError(.conflict, "case \(idOrRef) has no arbitration outcome to report back yet (`field case arbitrate`)")
            }
            if !reached.contains(milestone) {
                try record([.reach(.case, id, milestone), Self.milestoneDate(id, milestone, date)], db)
                return try ladderResult(id, changed: true, on: date, db)
            }
            // Reached already: only a different date given with --on changes anything.
            let current = try String.fetchOne(db.cachedStatement(sql: "SELECT reached_on FROM case_milestones WHERE case_id = ? AND milestone = ?"),
                                               arguments: [id, milestone])
            guard on != nil, current != date else { return try ladderResult(id, changed: false, db) }
            try record([Self.milestoneDate(id, milestone, date)], db)
            return try ladderResult(id, changed: true, on: date, db)
        }
    }

    /// Records the decision on a case (accept or reject) with its reason, on the date of record
    /// `on` (default today).
    @discardableResult
    public func decide(_ idOrRef: String, accept: Bool, reason: String, on: String? = nil) throws -> LadderResult {
        try Check.text(reason, what: "reason", max: 5_000)
        return try write { db in
            try requireStaff(db, "decide cases")
            let date = try dateOfRecord(on, db)
            let id = try resolveCase(idOrRef, db)
            try decideWrites(id, idOrRef, accept: accept, reason: reason, on: date, db)
            return try ladderResult(id, changed: true, on: date, db)
        }
    }

    func decideWrites(_ id: String, _ label: String, accept: Bool, reason: String, on date: String, _ db: Database) throws {
        let reached = try milestones(id, db)
        let milestone = accept ? "accepted" : "rejected"
        let opposite = accept ? "rejected" : "accepted"
        if reached.contains(opposite) {
            throw SyncError(.conflict, "case \(label) was already \(opposite); a decision cannot be undone (open a new case or a dispute arbitration)")
        }
        try record([.reach(.case, id, milestone), .set(.case, id, "decisionReason", .string(reason)),
                    Self.milestoneDate(id, milestone, date)], db)
    }

    // MARK: - Helpers

    /// A case by global id or reference; a reference shared by two replicas is reported as ambiguous.
    func resolveCase(_ idOrRef: String, _ db: Database) throws -> String {
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM cases WHERE id = ?"), arguments: [idOrRef]) != nil { return idOrRef }
        let ids = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM cases WHERE ref = ? ORDER BY id"), arguments: [idOrRef])
        if ids.count == 1 { return ids[0] }
        if ids.isEmpty {
            throw SyncError(.notFound, "unknown case '\(idOrRef.prefix(64))'; give a case id or reference like BSN-2026-0042 (see `field case list`)")
        }
        throw SyncError(.conflict, "reference \(idOrRef) names \(ids.count) cases (\(ids.joined(separator: ", "))); use the case id")
    }

    func milestones(_ id: String, _ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT milestone FROM case_milestones WHERE case_id = ?"), arguments: [id]))
    }

    func caseSummary(_ id: String, _ db: Database) throws -> CaseSummary {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM cases WHERE id = ?"), arguments: [id]) else {
            throw SyncError(.notFound, "unknown case '\(id)'")
        }
        return Self.caseSummary(row)
    }

    func ladderResult(_ id: String, changed: Bool, on date: String? = nil, _ db: Database) throws -> LadderResult {
        let summary = try caseSummary(id, db)
        return LadderResult(caseID: id, ref: summary.ref, step: summary.step,
                            stepName: summary.step.map { routing.name(ofStep: Int64($0)) }, status: summary.status, changed: changed,
                            on: date)
    }

    static func caseSummary(_ row: Row) -> CaseSummary {
        CaseSummary(id: row["id"], ref: row["ref"], title: row["title"], area: row["area"], cause: row["cause"],
                    source: row["source"], submitter: row["submitter"], branch: row["branch"], assignee: row["assignee"],
                    step: row["step"], status: row["status"], reportedOn: row["reported_on"])
    }

    // MARK: - Results back to submitters

    /// What became of each of a submitter's cases (default: this replica's owner).
    public func inbox(submitter: String? = nil) throws -> [InboxItem] {
        try read { db in
            let who = try submitter ?? me(db).memberID
            return try SubmitterInbox.items(submitter: who, routing: routing, db)
        }
    }
}
