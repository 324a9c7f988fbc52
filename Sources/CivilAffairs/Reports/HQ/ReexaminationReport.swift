import SyncCore
import GRDB

/// Re-examinations asked for by unsatisfied customers and the outcomes of their dispute
/// arbitration: how many, upheld or overturned, how long the arbitration took, and whether the
/// outcome was reported back to the submitter. A re-examination counts in the period of the day
/// it was asked for, and in its case's branch.
public struct ReexaminationReport: HQReport, Hashable {
    public struct OutcomeRow: Codable, Sendable, Hashable {
        /// `upheld`, `overturned`, `pending` (not arbitrated yet) or `all`.
        public var outcome: String
        public var cases: Int
        /// Of the re-examinations asked for in the period.
        public var percent: Double?
        /// Median whole days from the request to the outcome (arbitrated ones only).
        public var medianDaysToOutcome: Double?
        /// Outcomes reported back to the submitter (`arbitration-notified`).
        public var notified: Int
    }

    public struct CaseRow: Codable, Sendable, Hashable {
        public var caseID: String
        public var ref: String?
        public var title: String?
        public var branch: String?
        /// The decision re-examined (`accepted` or `rejected`).
        public var decisionReexamined: String?
        public var requestedOn: String
        public var outcome: String?
        public var outcomeOn: String?
        public var daysToOutcome: Int?
        /// The decision standing now.
        public var decision: String?
        public var notifiedOn: String?
    }

    public var period: String
    public var branch: String?
    public var requested: Int
    /// `upheld`, `overturned`, `pending`, then `all`.
    public var rows: [OutcomeRow]
    /// Every re-examination of the period, oldest request first.
    public var cases: [CaseRow]

    static func compute(_ reports: HQReports, _ db: Database) throws -> ReexaminationReport {
        let bounds = reports.period.bounds
        let requests = try Row.fetchAll(db, sql: """
            SELECT c.id, c.ref, c.title, c.branch, m.reached_on FROM case_milestones m JOIN cases c ON c.id = m.case_id
            WHERE m.milestone = 'reexamination-requested' AND (?1 IS NULL OR c.branch = ?1)
              AND (?2 IS NULL OR m.reached_on BETWEEN ?2 AND ?3)
            ORDER BY m.reached_on, c.ref, c.id
            """, arguments: [reports.branch, bounds?.from, bounds?.to])
        var milestones: [String: [String: String]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT m.case_id, m.milestone, m.reached_on FROM case_milestones m
            WHERE m.case_id IN (SELECT case_id FROM case_milestones WHERE milestone = 'reexamination-requested')
            """) {
            milestones[row[0], default: [:]][row[1]] = row[2]
        }
        let cases = requests.map { row -> CaseRow in
            let id: String = row[0]
            let dates = milestones[id] ?? [:]
            let reached = Set(dates.keys)
            let outcome = Domain.arbitrationOutcome(reached)
            let outcomeOn = outcome.flatMap { dates["arbitration-" + $0] }
            let requestedOn: String = row[4]
            return CaseRow(caseID: id, ref: row[1], title: row[2], branch: row[3],
                           decisionReexamined: Domain.decision(reached.subtracting(["arbitration-upheld", "arbitration-overturned"])),
                           requestedOn: requestedOn, outcome: outcome, outcomeOn: outcomeOn,
                           daysToOutcome: outcomeOn.flatMap { CivilDate.days(from: requestedOn, to: $0) },
                           decision: Domain.decision(reached), notifiedOn: dates["arbitration-notified"])
        }
        func row(_ outcome: String, _ members: [CaseRow]) -> OutcomeRow {
            let days = members.compactMap(\.daysToOutcome).map(Double.init).sorted()
            return OutcomeRow(outcome: outcome, cases: members.count, percent: ReportMath.percent(members.count, of: cases.count),
                              medianDaysToOutcome: ReportMath.quantile(days, 0.5).map(ReportMath.round1),
                              notified: members.filter { $0.notifiedOn != nil }.count)
        }
        let rows = [row("upheld", cases.filter { $0.outcome == "upheld" }), row("overturned", cases.filter { $0.outcome == "overturned" }),
                    row("pending", cases.filter { $0.outcome == nil }), row("all", cases)]
        return ReexaminationReport(period: reports.period.description, branch: reports.branch, requested: cases.count,
                                   rows: rows, cases: cases)
    }

    /// `outcome,cases,percent,medianDaysToOutcome,notified`: `upheld`, `overturned`, `pending`, `all`.
    public var csv: CSVTable {
        CSVTable(header: ["outcome", "cases", "percent", "medianDaysToOutcome", "notified"], rows: rows.map {
            [$0.outcome, String($0.cases), ReportMath.cell($0.percent), ReportMath.cell($0.medianDaysToOutcome), String($0.notified)]
        })
    }
}
