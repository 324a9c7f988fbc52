import SyncCore
import GRDB

/// Customers' satisfaction score by period, as surveys measured it, and the change on the year
/// before (the case study: 79.2 points in 2003, 77.8 in 2004, a first quarter of 2005 1.3
/// points below 2004).
///
/// Scores are grouped in series: one source (an outside institution, the agency's own survey,
/// the government's evaluation) for one scope (the agency as a whole, one branch, one area),
/// because scores of different surveys are not on the same scale. Within a series, several
/// surveys of the same period (typed twice, or two waves) count as one figure: their mean
/// weighted by respondents when every one says how many answered, else the plain mean.
///
/// The year before of a period is the same period a year earlier (`2005-Q1` → `2004-Q1`);
/// when that was not surveyed, a quarter or month is compared with the whole year before
/// (`2005-Q1` → `2004`), which is how the case study compares its first quarter.
public struct SatisfactionReport: HQReport, Hashable {
    public struct Figure: Codable, Sendable, Hashable {
        /// The surveyed period (`2004`, `2005-Q1`, `2005-03`).
        public var period: String
        public var source: String
        /// Nil: the agency as a whole.
        public var branch: String?
        /// Nil: every area.
        public var area: String?
        /// Points out of 100, to the hundredth.
        public var score: Double
        /// People who answered, when every survey of the figure says.
        public var respondents: Int?
        /// Surveys behind the figure.
        public var surveys: Int
        /// The period compared with (nil: nothing earlier in the series to compare with).
        public var comparedWith: String?
        public var previousScore: Double?
        /// `score - previousScore`, in points.
        public var change: Double?
    }

    public var period: String
    public var branch: String?
    /// Series by series (the agency as a whole first), each oldest period first.
    public var rows: [Figure]
    /// The newest agency-wide figure of the period (nil when there is none).
    public var latest: Figure?
    /// Surveys left out because their period or score cannot be read (written by a newer or
    /// broken client): said, so a figure is never silently short.
    public var unreadable: Int

    /// One survey as read from the table.
    struct Survey {
        var period: ReportPeriod
        var source: String
        var branch: String?
        var area: String?
        var hundredths: Int
        var respondents: Int?
    }

    struct Series: Hashable, Comparable {
        var branch: String?
        var area: String?
        var source: String

        static func < (a: Series, b: Series) -> Bool {
            func rank(_ source: String) -> Int { Domain.surveySources.firstIndex(of: source) ?? Domain.surveySources.count }
            return (a.branch ?? "", a.area ?? "", rank(a.source), a.source) < (b.branch ?? "", b.area ?? "", rank(b.source), b.source)
        }
    }

    static func compute(_ reports: HQReports, _ db: Database) throws -> SatisfactionReport {
        var unreadable = 0
        var surveys: [Survey] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT period, score_hundredths, respondents, source, branch, area FROM surveys WHERE (?1 IS NULL OR branch = ?1)
            """, arguments: [reports.branch]) {
            guard let text = row[0] as String?, let period = try? ReportPeriod(parsing: text), period != .all,
                  let hundredths = row[1] as Int64? else { unreadable += 1; continue }
            surveys.append(Survey(period: period, source: row[3] ?? "(none)", branch: row[4], area: row[5],
                                  hundredths: Int(hundredths), respondents: (row[2] as Int64?).map(Int.init)))
        }
        // Every period of every series, the earlier ones included: a change needs the year before.
        var figures: [Series: [ReportPeriod: [Survey]]] = [:]
        for survey in surveys {
            figures[Series(branch: survey.branch, area: survey.area, source: survey.source), default: [:]][survey.period, default: []].append(survey)
        }
        var rows: [Figure] = []
        for series in figures.keys.sorted() {
            let byPeriod = figures[series]!
            for period in byPeriod.keys.sorted(by: Self.chronological) where reports.period.encloses(period) {
                let (score, respondents) = Self.combine(byPeriod[period]!)
                var row = Figure(period: period.description, source: series.source, branch: series.branch, area: series.area,
                              score: Self.points(score), respondents: respondents, surveys: byPeriod[period]!.count)
                if let before = Self.yearBefore(period, in: byPeriod) {
                    let previous = Self.combine(byPeriod[before]!).hundredths
                    row.comparedWith = before.description
                    row.previousScore = Self.points(previous)
                    row.change = Self.points(score - previous)
                }
                rows.append(row)
            }
        }
        // The newest agency-wide period (the one ending last; of two ending together, the
        // shorter, more recent one), from the first source in `Domain.surveySources` order.
        func rank(_ source: String) -> Int { Domain.surveySources.firstIndex(of: source) ?? Domain.surveySources.count }
        let latest = rows.filter { $0.branch == nil && $0.area == nil }.min { a, b in
            let (pa, pb) = (try? ReportPeriod(parsing: a.period), try? ReportPeriod(parsing: b.period))
            let (ea, eb) = (pa?.bounds?.to ?? "", pb?.bounds?.to ?? "")
            if ea != eb { return ea > eb }
            let (sa, sb) = (pa?.bounds?.from ?? "", pb?.bounds?.from ?? "")
            if sa != sb { return sa > sb }
            return rank(a.source) < rank(b.source)
        }
        return SatisfactionReport(period: reports.period.description, branch: reports.branch, rows: rows, latest: latest,
                                  unreadable: unreadable)
    }

    /// The period a figure is compared with: the same one a year earlier, else (for a quarter
    /// or a month) the whole year before.
    static func yearBefore(_ period: ReportPeriod, in byPeriod: [ReportPeriod: [Survey]]) -> ReportPeriod? {
        if byPeriod[period.yearBefore] != nil { return period.yearBefore }
        switch period {
        case .quarter(let year, _), .month(let year, _): return byPeriod[.year(year - 1)] != nil ? .year(year - 1) : nil
        case .year, .all: return nil
        }
    }

    /// One figure from the surveys of one period: the mean weighted by respondents when all
    /// of them say, else the plain mean; rounded to the hundredth, half away from zero.
    static func combine(_ surveys: [Survey]) -> (hundredths: Int, respondents: Int?) {
        let counts = surveys.compactMap(\.respondents)
        if counts.count == surveys.count, counts.reduce(0, +) > 0 {
            let total = counts.reduce(0, +)
            let weighted = surveys.reduce(0.0) { $0 + Double($1.hundredths) * Double($1.respondents!) }
            return (Int((weighted / Double(total)).rounded()), total)
        }
        let mean = Double(surveys.reduce(0) { $0 + $1.hundredths }) / Double(surveys.count)
        return (Int(mean.rounded()), nil)
    }

    /// Oldest first; a year before its quarters, a quarter before its months.
    static func chronological(_ a: ReportPeriod, _ b: ReportPeriod) -> Bool {
        func length(_ p: ReportPeriod) -> Int {
            switch p { case .all: 0; case .year: 1; case .quarter: 2; case .month: 3 }
        }
        return (a.bounds?.from ?? "", length(a)) < (b.bounds?.from ?? "", length(b))
    }

    static func points(_ hundredths: Int) -> Double { Double(hundredths) / 100 }

    /// A score in points as text: `79.2`, `-1.3`, `80.0`, `77.85`. Written from the integer
    /// hundredths so the text never depends on float formatting.
    public static func pointsText(_ value: Double?) -> String {
        guard let value else { return "" }
        let hundredths = Int((value * 100).rounded())
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        let decimals = fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)")
        return (hundredths < 0 ? "-" : "") + "\(magnitude / 100).\(decimals)"
    }

    /// `period,source,branch,area,score,respondents,surveys,compared_with,previous_score,change`,
    /// one row per figure in `rows` order; an empty branch or area is the agency as a whole.
    public var csv: CSVTable {
        CSVTable(header: ["period", "source", "branch", "area", "score", "respondents", "surveys", "compared_with", "previous_score", "change"],
                 rows: rows.map { row in
                     [row.period, row.source, ReportMath.cell(row.branch), ReportMath.cell(row.area), Self.pointsText(row.score),
                      ReportMath.cell(row.respondents), String(row.surveys), ReportMath.cell(row.comparedWith),
                      Self.pointsText(row.previousScore), Self.pointsText(row.change)]
                 })
    }
}
