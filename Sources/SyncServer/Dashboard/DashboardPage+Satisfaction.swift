import SyncCore

/// The customers' satisfaction section: the trend of the score over every surveyed period (a
/// change means nothing without the years before) and the period's figures with their change
/// on the year before.
extension DashboardPage {
    var satisfaction: String {
        let trend = snapshot.satisfactionTrend ?? reports.satisfaction
        // The scope shown: the whole agency, or the filter's branch; area figures stay in the table.
        let scoped = trend.rows.filter { $0.area == nil && $0.branch == snapshot.branch }
        // One line: the source with the most figures (scores of different surveys are not on one scale).
        var counts: [String: Int] = [:]
        for row in scoped { counts[row.source, default: 0] += 1 }
        let source = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.first?.key
        let line = scoped.filter { $0.source == source }
        let points = line.map { row in
            SVGLineChart.Point(label: row.period, value: row.score,
                               text: "\(row.period): \(SatisfactionReport.pointsText(row.score)) points"
                                   + (row.change.map { ", \(Self.signedPoints($0)) on \(row.comparedWith ?? "the year before")" } ?? ""))
        }
        let scores = line.map(\.score)
        let floor = max(0, ((scores.min() ?? 0) - 5) / 10).rounded(.down) * 10
        let ceiling = min(100, (((scores.max() ?? 100) + 5) / 10).rounded(.up) * 10)
        let chart = SVGLineChart(title: "Customer satisfaction score", points: points, ceiling: ceiling, floor: min(floor, ceiling - 10))
        let rows = reports.satisfaction.rows.map { row -> [String] in
            [HTML.escape(row.period), HTML.escape(row.source), HTML.escape(row.branch ?? "agency") + (row.area.map { " / " + HTML.escape($0) } ?? ""),
             SatisfactionReport.pointsText(row.score), HTML.escape(row.comparedWith ?? "–"),
             row.change.map(Self.signedPoints) ?? "–"]
        }
        let scope = snapshot.branch.map { "branch \($0)" } ?? "the whole agency"
        let note = source.map { "Points out of 100 for \(scope), every surveyed period (\($0)); below, the figures of \(periodText(snapshot.period)) and their change on the year before." }
            ?? "No survey recorded for \(scope) yet (field survey record)."
        return section("Customer satisfaction", id: "chart-satisfaction", note: note,
                       chart.svg + table([("Period", false), ("Source", false), ("Scope", false), ("Score", true),
                                          ("Compared with", false), ("Change", true)], rows, id: "table-satisfaction"))
    }

    static func signedPoints(_ change: Double) -> String { (change > 0 ? "+" : "") + SatisfactionReport.pointsText(change) }
}
