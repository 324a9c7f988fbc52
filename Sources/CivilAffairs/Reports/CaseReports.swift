import SyncCore
import GRDB

/// Single headquarters figures over cases and consultations (MISSION.md, "What headquarters
/// measures"): pure reads of the materialised tables, so a synced HQ replica and the server
/// compute the same numbers. A case belongs to the period of its `reportedOn` date; a
/// consultation to the period of its `receivedOn` date. Kept for callers that want one number;
/// the full reports with branch filters, series and CSV are `HQReports` (same rounding).
public enum CaseReports {
    public struct Found: Codable, Sendable, Hashable {
        public var period: String
        public var count: Int
        public var yearBefore: Int
        /// Change against the same period a year before, in percent (nil when there were none then).
        public var changePercent: Double?
    }

    /// Reform tasks found in a period and the change against the same period a year earlier.
    public static func found(period: ReportPeriod, _ db: Database) throws -> Found {
        let dates = try String?.fetchAll(db, sql: "SELECT reported_on FROM cases")
        let now = dates.filter { period.contains($0) }.count
        let before = dates.filter { period.yearBefore.contains($0) }.count
        let change = before == 0 || period == .all ? nil : (Double(now - before) / Double(before) * 1000).rounded() / 10
        return Found(period: period.description, count: now, yearBefore: period == .all ? 0 : before, changePercent: change)
    }

    public struct Share: Codable, Sendable, Hashable {
        public var key: String
        public var count: Int
        /// Percent of the period's cases, one decimal.
        public var percent: Double
    }

    /// Cases of a period grouped by a column: `source`, `area`, `cause`, `status`, `step` or `branch`.
    public static func breakdown(by column: String, period: ReportPeriod, _ db: Database) throws -> [Share] {
        let allowed = ["source", "area", "cause", "status", "step", "branch"]
        guard allowed.contains(column) else {
            throw SyncError(.invalidValue, "cannot group cases by '\(column)'; use one of \(allowed.joined(separator: ", "))")
        }
        var counts: [String: Int] = [:]
        var total = 0
        for row in try Row.fetchAll(db, sql: "SELECT CAST(\(column) AS TEXT), reported_on FROM cases") {
            guard period.contains(row[1] as String?) else { continue }
            counts[(row[0] as String?) ?? "(none)", default: 0] += 1
            total += 1
        }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
            Share(key: $0.key, count: $0.value, percent: total == 0 ? 0 : (Double($0.value) / Double(total) * 1000).rounded() / 10)
        }
    }

    public struct ReplyRate: Codable, Sendable, Hashable {
        /// The branch, or `all`.
        public var branch: String
        public var received: Int
        public var answered: Int
        /// Percent answered, one decimal (nil with nothing received).
        public var percent: Double?
    }

    /// Reply rate to consultations received in a period: overall first, then per branch.
    public static func replyRates(period: ReportPeriod, _ db: Database) throws -> [ReplyRate] {
        var received: [String: Int] = [:]
        var answered: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT branch, received_on, answered_on FROM consultations") {
            guard period.contains(row[1] as String?) else { continue }
            let branch = (row[0] as String?) ?? "(none)"
            let isAnswered = (row[2] as String?) != nil
            for key in ["all", branch] {
                received[key, default: 0] += 1
                if isAnswered { answered[key, default: 0] += 1 }
            }
        }
        if received["all"] == nil { received["all"] = 0 }
        let keys = ["all"] + received.keys.filter { $0 != "all" }.sorted()
        return keys.map { key in
            let r = received[key] ?? 0, a = answered[key] ?? 0
            return ReplyRate(branch: key, received: r, answered: a,
                             percent: r == 0 ? nil : (Double(a) / Double(r) * 1000).rounded() / 10)
        }
    }

    public struct BudgetItem: Codable, Sendable, Hashable {
        public var caseID: String
        public var ref: String?
        public var title: String?
        public var budgetPriority: Int?
    }

    /// Accepted reform tasks ranked by the budget execution committee's priority (unranked last).
    public static func acceptedByBudgetPriority(_ db: Database) throws -> [BudgetItem] {
        try Row.fetchAll(db, sql: """
            SELECT id, ref, title, budget_priority FROM cases WHERE status IN ('accepted', 'implemented')
            ORDER BY budget_priority IS NULL, budget_priority, ref, id
            """).map { BudgetItem(caseID: $0[0], ref: $0[1], title: $0[2], budgetPriority: $0[3]) }
    }
}
