import SyncCore
import GRDB

/// The reply rate to customers: consultations logged by the call centre and branch desks in a
/// period, how many were answered and how fast (the case study: 80% in the first quarter, 98%
/// in the second).
public struct ReplyRateReport: HQReport, Hashable {
    public struct Row: Codable, Sendable, Hashable {
        /// `all`, a period (`2025-Q1`), a branch or a channel, depending on the list.
        public var key: String
        /// Consultations received.
        public var received: Int
        /// Of those, answered (an `answeredOn` date is recorded).
        public var answered: Int
        /// Percent answered, one decimal (nil with nothing received).
        public var percent: Double?
        /// Mean days from received to answered, over the answered ones, one decimal.
        public var averageDaysToAnswer: Double?
    }

    public var period: String
    public var branch: String?
    public var grain: String
    public var overall: Row
    /// The period split by `grain`, oldest first.
    public var byPeriod: [Row]
    /// Per branch, by name (`(none)`: consultations without a branch).
    public var byBranch: [Row]
    /// Per channel, in `Domain.consultationChannels` order, then any other.
    public var byChannel: [Row]

    private struct Tally {
        var received = 0
        var answered = 0
        var days = 0
        mutating func add(answeredAfter days: Int?, answered isAnswered: Bool) {
            received += 1
            if isAnswered { answered += 1 }
            if let days { self.days += days }
        }
        func row(_ key: String) -> Row {
            Row(key: key, received: received, answered: answered, percent: ReportMath.percent(answered, of: received),
                averageDaysToAnswer: answered == 0 ? nil : ReportMath.round1(Double(days) / Double(answered)))
        }
    }

    static func compute(_ reports: HQReports, _ db: Database) throws -> ReplyRateReport {
        let bounds = reports.period.bounds
        let grain = reports.effectiveGrain
        var overall = Tally()
        var perMonth: [String: Tally] = [:]
        var perBranch: [String: Tally] = [:]
        var perChannel: [String: Tally] = [:]
        var years: ClosedRange<Int>? = nil
        for row in try GRDB.Row.fetchAll(db, sql: """
            SELECT branch, channel, received_on, answered_on FROM consultations
            WHERE (?1 IS NULL OR branch = ?1) AND (?2 IS NULL OR received_on BETWEEN ?2 AND ?3)
            """, arguments: [reports.branch, bounds?.from, bounds?.to]) {
            let received: String? = row[2]
            let answered: String? = row[3]
            // A reply dated before the consultation (bad data) counts as answered, in 0 days.
            let days = answered.flatMap { a in received.flatMap { CivilDate.days(from: $0, to: a) } }.map { max(0, $0) }
            let isAnswered = answered != nil
            overall.add(answeredAfter: days, answered: isAnswered)
            perBranch[(row[0] as String?) ?? "(none)", default: Tally()].add(answeredAfter: days, answered: isAnswered)
            perChannel[(row[1] as String?) ?? "(none)", default: Tally()].add(answeredAfter: days, answered: isAnswered)
            if let received, let civil = CivilDate(received) {
                perMonth[String(received.prefix(7)), default: Tally()].add(answeredAfter: days, answered: isAnswered)
                years = years.map { min($0.lowerBound, civil.year)...max($0.upperBound, civil.year) } ?? civil.year...civil.year
            }
        }
        let byPeriod = grain.split(reports.period, years: years).map { period -> Row in
            let b = period.bounds!
            let from = String(b.from.prefix(7)), to = String(b.to.prefix(7))
            var tally = Tally()
            for (month, t) in perMonth where month >= from && month <= to {
                tally.received += t.received; tally.answered += t.answered; tally.days += t.days
            }
            return tally.row(period.description)
        }
        let channels = Domain.consultationChannels + perChannel.keys.filter { !Domain.consultationChannels.contains($0) }.sorted()
        return ReplyRateReport(period: reports.period.description, branch: reports.branch, grain: grain.rawValue,
                               overall: overall.row("all"), byPeriod: byPeriod,
                               byBranch: perBranch.keys.sorted().map { perBranch[$0]!.row($0) },
                               byChannel: channels.map { (perChannel[$0] ?? Tally()).row($0) })
    }

    /// `list,key,received,answered,percent,averageDaysToAnswer`; `list` is `all`, `period`,
    /// `branch` or `channel`.
    public var csv: CSVTable {
        func cells(_ list: String, _ row: Row) -> [String] {
            [list, row.key, String(row.received), String(row.answered), ReportMath.cell(row.percent), ReportMath.cell(row.averageDaysToAnswer)]
        }
        return CSVTable(header: ["list", "key", "received", "answered", "percent", "averageDaysToAnswer"],
                        rows: [cells("all", overall)] + byPeriod.map { cells("period", $0) }
                            + byBranch.map { cells("branch", $0) } + byChannel.map { cells("channel", $0) })
    }
}
