import SyncCore
import GRDB

/// How long cases spend at each step of the ladder, in days between dates of record.
///
/// The step is a maximum register, so its history is the case's `step` operations: the case
/// entered step k with the first operation (by HLC) that raised it to k, on that step's date of
/// record (`case_steps.reached_on`, given with `--on` or the day it was typed; for a step raised
/// before dates of record were kept, the UTC day of the operation's timestamp). A case is at
/// step k from that date until it entered a higher step or, if it is still at k, until its
/// decision (`accepted`, `rejected` or `referred`, the earliest by date of record) or, if
/// undecided, until the report's day (`asOf`). A step entered only after the decision is not
/// counted (a late escalation from a stale replica is not time spent). Steps skipped (a
/// law-system case routed straight to step 3) have no interval. Facts are ordered by date of
/// record, then by timestamp; an interval ending before it starts (a back-dated entry) counts 0.
public struct StepTimesReport: HQReport, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        public var step: Int
        public var name: String
        /// Intervals measured: cases that were at this step.
        public var cases: Int
        /// Of those, cases still there (undecided, not moved up) at `asOf`.
        public var stillThere: Int
        /// Days, one decimal (nil without cases). Quantiles interpolate linearly between ranks.
        public var medianDays: Double?
        public var p90Days: Double?
        public var meanDays: Double?
    }

    public var period: String
    public var branch: String?
    /// The day open intervals end (the report's `now`).
    public var asOf: String
    /// Cases of the period that have been routed.
    public var routedCases: Int
    public var rows: [Row]

    /// Milestones that close a case's time on the ladder.
    static let decisions = ["accepted", "rejected", "referred"]

    /// A dated fact: its date of record, then its timestamp, orders it.
    struct Moment: Comparable {
        var date: String
        var hlc: String
        static func < (a: Moment, b: Moment) -> Bool { (a.date, a.hlc) < (b.date, b.hlc) }
    }

    static func compute(_ reports: HQReports, _ db: Database) throws -> StepTimesReport {
        let cases = Set(try reports.cases(db).map(\.id))
        var raises: [String: [(hlc: String, step: Int)]] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: "SELECT entity_id, value, hlc FROM oplog WHERE entity = 'case' AND field = 'step' AND kind = 'max' AND held = 0") {
            let id: String = row[0]
            guard cases.contains(id), let step = Int(row[1] as String) else { continue }
            raises[id, default: []].append((row[2], step))
        }
        var stepDates: [String: [Int: String]] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: "SELECT case_id, step, reached_on FROM case_steps WHERE reached_on IS NOT NULL") {
            let id: String = row[0]
            guard cases.contains(id), let step = Int(row[1] as String) else { continue }
            stepDates[id, default: [:]][step] = row[2]
        }
        var decided: [String: Moment] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: """
            SELECT case_id, reached_on, reached_hlc FROM case_milestones WHERE milestone IN ('accepted', 'rejected', 'referred')
            """) {
            let id: String = row[0]
            let moment = Moment(date: row[1], hlc: row[2])
            if decided[id].map({ moment < $0 }) ?? true { decided[id] = moment }
        }
        var durations: [Int: [Double]] = [:]
        var still: [Int: Int] = [:]
        func day(_ hlc: String) -> String {
            CivilDate(millisecondsSinceEpoch: HLCTimestamp(hlc)?.wallMilliseconds ?? 0).description
        }
        func days(_ from: String, _ to: String) -> Double { Double(max(0, CivilDate.days(from: from, to: to) ?? 0)) }
        for (id, ops) in raises {
            let end = decided[id]
            var current = 0
            var entries: [(step: Int, at: Moment)] = []
            for op in ops.sorted(by: { $0.hlc < $1.hlc }) where op.step > current {
                current = op.step
                entries.append((op.step, Moment(date: stepDates[id]?[op.step] ?? day(op.hlc), hlc: op.hlc)))
            }
            for (index, entry) in entries.enumerated() {
                if let end, end < entry.at { continue }
                let next = index + 1 < entries.count ? entries[index + 1].at : nil
                let stop: String
                if let next, end.map({ next <= $0 }) ?? true {
                    stop = next.date
                } else if let end {
                    stop = end.date
                } else {
                    stop = reports.asOf
                    still[entry.step, default: 0] += 1
                }
                durations[entry.step, default: []].append(days(entry.at.date, stop))
            }
        }
        let rows = reports.routing.steps.map { step -> Row in
            let values = (durations[Int(step.step)] ?? []).sorted()
            return Row(step: Int(step.step), name: step.name, cases: values.count, stillThere: still[Int(step.step)] ?? 0,
                       medianDays: ReportMath.quantile(values, 0.5).map(ReportMath.round1),
                       p90Days: ReportMath.quantile(values, 0.9).map(ReportMath.round1),
                       meanDays: ReportMath.mean(values).map(ReportMath.round1))
        }
        return StepTimesReport(period: reports.period.description, branch: reports.branch, asOf: reports.asOf,
                               routedCases: raises.count, rows: rows)
    }

    /// `step,name,cases,stillThere,medianDays,p90Days,meanDays`.
    public var csv: CSVTable {
        CSVTable(header: ["step", "name", "cases", "stillThere", "medianDays", "p90Days", "meanDays"], rows: rows.map {
            [String($0.step), $0.name, String($0.cases), String($0.stillThere), ReportMath.cell($0.medianDays),
             ReportMath.cell($0.p90Days), ReportMath.cell($0.meanDays)]
        })
    }
}
