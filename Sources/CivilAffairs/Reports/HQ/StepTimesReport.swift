import SyncCore
import GRDB

/// How long cases spend at each step of the ladder, derived from the log.
///
/// The step is a maximum register, so its history is the case's `step` operations: the case's
/// step at an instant is the largest value written at or before it (by HLC). A case is at step
/// k from the moment the step first became k until it first became higher; if it is still at
/// k, until its decision (`accepted`, `rejected` or `referred`, whichever came first) or, if
/// undecided, until `now`. A step entered only after the decision is not counted (a late
/// escalation from a stale replica is not time spent). Steps skipped (a law-system case routed
/// straight to step 3) have no interval.
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

    static func compute(_ reports: HQReports, _ db: Database) throws -> StepTimesReport {
        let cases = Set(try reports.cases(db).map(\.id))
        var raises: [String: [(hlc: String, step: Int)]] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: "SELECT entity_id, value, hlc FROM oplog WHERE entity = 'case' AND field = 'step' AND kind = 'max'") {
            let id: String = row[0]
            guard cases.contains(id), let step = Int(row[1] as String) else { continue }
            raises[id, default: []].append((row[2], step))
        }
        var decided: [String: String] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: """
            SELECT case_id, MIN(reached_hlc) FROM case_milestones WHERE milestone IN ('accepted', 'rejected', 'referred') GROUP BY case_id
            """) {
            decided[row[0] as String] = row[1] as String
        }
        var durations: [Int: [Double]] = [:]
        var still: [Int: Int] = [:]
        func ms(_ hlc: String) -> Int64 { HLCTimestamp(hlc)?.wallMilliseconds ?? 0 }
        for (id, ops) in raises {
            let end = decided[id]
            var current = 0
            var since = ""
            var intervals: [(step: Int, from: String, to: String?)] = []
            for op in ops.sorted(by: { $0.hlc < $1.hlc }) where op.step > current {
                if current > 0 { intervals.append((current, since, op.hlc)) }
                current = op.step
                since = op.hlc
            }
            if current > 0 { intervals.append((current, since, nil)) }
            for interval in intervals {
                if let end, end < interval.from { continue }
                let stop: Int64
                if let to = interval.to, end.map({ to <= $0 }) ?? true {
                    stop = ms(to)
                } else if let end {
                    stop = ms(end)
                } else {
                    stop = reports.nowMilliseconds
                    still[interval.step, default: 0] += 1
                }
                durations[interval.step, default: []].append(max(0, Double(stop - ms(interval.from))) / ReportMath.millisecondsPerDay)
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
