import GRDB
import SyncCore

/// A customer-satisfaction survey as the CLI shows it.
public struct SurveyView: Codable, Sendable, Equatable {
    public var id: String
    /// `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    public var period: String?
    /// Points out of 100 (`79.2`).
    public var score: Double?
    public var respondents: Int?
    public var source: String?
    /// Nil: the agency as a whole.
    public var branch: String?
    public var area: String?
    public var note: String?
}

/// Customer-satisfaction surveys (issue 15): headquarters records the agency-wide score an
/// outside institution or its own survey measured, a branch the score of its own customers.
/// A survey is a fact like any other: typed offline, synced, read by the `satisfaction` report.
extension FieldReplica {
    /// Records a survey result. `score` is the text typed (`79.2`: points out of 100, at most two
    /// decimals), kept in hundredths so every replica holds exactly the same value. Branch staff
    /// record their own branch's surveys (`branch` defaults to theirs); HQ's default is the
    /// agency as a whole.
    @discardableResult
    public func recordSurvey(id: String? = nil, period: String, score: String, source: String, respondents: Int? = nil,
                             branch: String? = nil, area: String? = nil, note: String? = nil) throws -> SurveyView {
        let surveyed = try Self.surveyPeriod(period)
        let hundredths = try Self.scoreHundredths(score)
        try Check.choice(source, in: Domain.surveySources, what: "source")
        if let respondents, respondents < 1 { throw SyncError(.invalidValue, "--respondents must be at least 1 (leave it out when unknown)") }
        if let branch { try Check.identifier(branch, what: "branch") }
        if let area { try Check.choice(area, in: Domain.areas, what: "area") }
        if let note { try Check.text(note, what: "note", max: 2_000) }
        let surveyID = id ?? newID("sur")
        try Check.identifier(surveyID, what: "survey id")
        return try write { db in
            try requireStaff(db, "record satisfaction surveys")
            try Self.requireBegun(surveyed, today: try today(db))
            let me = try me(db)
            let scope = branch ?? (me.role == .hq ? nil : me.branch)
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM surveys WHERE id = ?", arguments: [surveyID]) != nil {
                throw SyncError(.conflict, "survey '\(surveyID)' already exists; correct it with `field survey edit \(surveyID)`")
            }
            if let twin = try String.fetchOne(db, sql: """
                SELECT id FROM surveys WHERE period = ? AND source = ? AND branch IS ? AND area IS ?
                """, arguments: [surveyed.description, source, scope, area]) {
                throw SyncError(.conflict, "\(source) survey of \(surveyed) for \(scope.map { "branch \($0)" } ?? "the whole agency")\(area.map { ", area \($0)" } ?? "") is already recorded as \(twin); correct it with `field survey edit \(twin)`")
            }
            var writes: [FieldWrite] = [
                .set(.survey, surveyID, "period", .string(surveyed.description)),
                .set(.survey, surveyID, "scoreHundredths", .int(Int64(hundredths))),
                .set(.survey, surveyID, "source", .string(source)),
            ]
            if let scope { writes.append(.set(.survey, surveyID, "branch", .string(scope))) }
            if let respondents { writes.append(.set(.survey, surveyID, "respondents", .int(Int64(respondents)))) }
            if let area { writes.append(.set(.survey, surveyID, "area", .string(area))) }
            if let note { writes.append(.set(.survey, surveyID, "note", .string(note))) }
            try record(writes, db)
            return try survey(surveyID, db)
        }
    }

    /// Corrects a survey: only what is given changes.
    @discardableResult
    public func editSurvey(_ id: String, period: String? = nil, score: String? = nil, source: String? = nil,
                           respondents: Int? = nil, note: String? = nil) throws -> SurveyView {
        var writes: [FieldWrite] = []
        let surveyed = try period.map(Self.surveyPeriod)
        if let surveyed { writes.append(.set(.survey, id, "period", .string(surveyed.description))) }
        if let score { writes.append(.set(.survey, id, "scoreHundredths", .int(Int64(try Self.scoreHundredths(score))))) }
        if let source {
            try Check.choice(source, in: Domain.surveySources, what: "source")
            writes.append(.set(.survey, id, "source", .string(source)))
        }
        if let respondents {
            guard respondents >= 1 else { throw SyncError(.invalidValue, "--respondents must be at least 1") }
            writes.append(.set(.survey, id, "respondents", .int(Int64(respondents))))
        }
        if let note {
            try Check.text(note, what: "note", max: 2_000)
            writes.append(.set(.survey, id, "note", .string(note)))
        }
        guard !writes.isEmpty else {
            throw SyncError(.invalidValue, "nothing to change: give --period, --score, --source, --respondents or --note")
        }
        return try write { db in
            try requireStaff(db, "correct satisfaction surveys")
            if let surveyed { try Self.requireBegun(surveyed, today: try today(db)) }
            _ = try survey(id, db)
            try record(writes, db)
            return try survey(id, db)
        }
    }

    /// The surveys this replica holds, oldest period first; `branch` "" would be no branch, so
    /// nil means every scope.
    public func surveys(branch: String? = nil, period: ReportPeriod = .all) throws -> [SurveyView] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM surveys WHERE (?1 IS NULL OR branch = ?1) ORDER BY period, source, branch, area, id",
                             arguments: [branch])
                .map(Self.surveyView)
                .filter { view in
                    guard let text = view.period, let surveyed = try? ReportPeriod(parsing: text) else { return period == .all }
                    return period.encloses(surveyed)
                }
        }
    }

    func survey(_ id: String, _ db: Database) throws -> SurveyView {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM surveys WHERE id = ?", arguments: [id]) else {
            throw SyncError(.notFound, "unknown survey '\(id.prefix(64))'; list them with `field survey list`")
        }
        return Self.surveyView(row)
    }

    static func surveyView(_ row: Row) -> SurveyView {
        SurveyView(id: row["id"], period: row["period"], score: (row["score_hundredths"] as Int64?).map { Double($0) / 100 },
                   respondents: (row["respondents"] as Int64?).map(Int.init), source: row["source"], branch: row["branch"],
                   area: row["area"], note: row["note"])
    }

    /// A surveyed period: a year, a quarter or a month (not `all`).
    static func surveyPeriod(_ text: String) throws -> ReportPeriod {
        let period = try ReportPeriod(parsing: text)
        guard period != .all else {
            throw SyncError(.invalidValue, "a survey measures one period: YYYY (2004), YYYY-Qn (2005-Q1) or YYYY-MM (2005-03), not 'all'")
        }
        return period
    }

    /// A survey measures a period that has begun (today by the replica's corrected clock).
    static func requireBegun(_ period: ReportPeriod, today: String) throws {
        if let from = period.bounds?.from, from > today {
            throw SyncError(.invalidValue, "period \(period) has not begun yet (today is \(today)); a survey measures a period that has")
        }
    }

    /// `79.2` → 7920: points out of 100 with at most two decimals, read digit by digit so that
    /// no float rounding ever changes what was typed.
    public static func scoreHundredths(_ text: String) throws -> Int {
        let fail = SyncError(.invalidValue, "score '\(text.prefix(20))' is not a number of points from 0 to 100 with at most two decimals (79.2)")
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 3,
              whole.allSatisfy(\.isASCIIDigit), let points = Int(whole) else { throw fail }
        var hundredths = points * 100
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit), let digits = Int(fraction) else { throw fail }
            hundredths += fraction.count == 1 ? digits * 10 : digits
        }
        guard hundredths <= 10_000 else { throw fail }
        return hundredths
    }
}
