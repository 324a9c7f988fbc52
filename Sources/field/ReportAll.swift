import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct ReportAll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Every report at once.",
        discussion: """
        --json prints one object holding every report. --csv prints each report's
        table after a line `# NAME`, separated by blank lines; --output-dir DIR writes
        one RFC 4180 file per report instead (DIR/tasks.csv, DIR/sources.csv, ...;
        with --json, DIR/all.json).

        Examples:
          field report all --period 2025
          field report all --period 2025 --json > hq-2025.json
          field report all --period 2025 --csv --output-dir reports/
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var grain: GrainOption
    @OptionGroup var policy: PolicyOptions
    @Option(help: ArgumentHelp("Measure open cases until this date (YYYY-MM-DD; default: today).", valueName: "date"))
    var now: String?
    @Option(help: "Rows of the points leaderboard.") var limit = 20
    @Option(help: "Ranks in each month's best-monitor list.") var count = 3
    @Option(help: ArgumentHelp("Write files into this directory instead of printing.", valueName: "dir"))
    var outputDir: String?

    func run() throws {
        let reports = try options.reports(grain: grain.grain, now: now, policy: policy.policy, limit: limit, count: count)
        let bundle = try options.replica.open().report(reports, HQReports.all)
        if let outputDir {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            var written: [String] = []
            if options.json {
                let path = (outputDir as NSString).appendingPathComponent("all.json")
                try Data((try HQReports.json(bundle) + "\n").utf8).write(to: URL(fileURLWithPath: path))
                written.append(path)
            } else {
                for section in bundle.sections {
                    let path = (outputDir as NSString).appendingPathComponent(section.name.rawValue + ".csv")
                    try Data(section.table.text.utf8).write(to: URL(fileURLWithPath: path))
                    written.append(path)
                }
            }
            print(written.joined(separator: "\n"))
            return
        }
        if options.json { try CLI.printJSON(bundle); return }
        if options.csv {
            CLI.write(bundle.sections.map { "# \($0.name.rawValue)\r\n" + $0.table.text }.joined(separator: "\r\n"))
            return
        }
        ReportText.heading("Headquarters figures (as of \(bundle.asOf))", reports)
        let t = bundle.tasks.total
        print("reform tasks found: \(t.count)" + (t.yearBefore.map { " (year before \($0), \(ReportText.change(t.changePercent)))" } ?? ""))
        let external = bundle.sources.rows.first { $0.key == "external-monitor" }
        print("found by external monitors: \(external?.count ?? 0) of \(bundle.sources.total) (\(percentText(external?.percent)))")
        print("reply rate: \(percentText(bundle.replies.overall.percent)) of \(bundle.replies.overall.received) consultations; "
              + bundle.replies.byPeriod.map { "\($0.key) \(percentText($0.percent))" }.joined(separator: ", "))
        print("results reported back: \(bundle.reportedBack.all.notified) of \(bundle.reportedBack.all.closed) closed cases (\(percentText(bundle.reportedBack.all.percent)))")
        print("days at each step (median/p90): " + bundle.stepTimes.rows.map {
            "\($0.step): \(ReportText.number($0.medianDays))/\(ReportText.number($0.p90Days))"
        }.joined(separator: ", "))
        print("top monitors: " + bundle.points.leaderboard.prefix(5).map { "\($0.member) (\($0.points))" }.joined(separator: ", "))
        print("best division: \(bundle.divisions.best?.division ?? "-"); worst: \(bundle.divisions.worst?.division ?? "-")")
        for (title, ranking) in [("staff", bundle.divisions.staff), ("external monitor", bundle.divisions.externalMonitors)] {
            print("best \(title): \(ranking.best.map { $0.name ?? $0.member } ?? "-"); worst: \(ranking.worst.map { $0.name ?? $0.member } ?? "-")")
        }
        print("accepted tasks ranked for budget: \(bundle.budget.rows.count - bundle.budget.unranked) (\(bundle.budget.unranked) waiting)")
        if let latest = bundle.satisfaction.latest {
            print("customer satisfaction: \(SatisfactionReport.pointsText(latest.score)) points in \(latest.period)"
                  + (latest.change.map { " (\($0 > 0 ? "+" : "")\(SatisfactionReport.pointsText($0)) on \(latest.comparedWith ?? "the year before"))" } ?? ""))
        }
        let re = bundle.reexaminations.rows
        print("re-examinations: \(bundle.reexaminations.requested) asked for; " + re.prefix(3).map { "\($0.outcome) \($0.cases)" }.joined(separator: ", "))
        if let all = bundle.referrals.rows.first {
            print("referrals: \(all.sent) sent, \(all.answered) answered (median \(ReportText.number(all.medianDaysToAnswer)) days), \(all.overdue) overdue")
        }
        let unrewarded = bundle.rewards.months.reduce(0) { $0 + $1.unrewarded }
        print("rewards given: \(bundle.rewards.total); best monitors without a gift certificate: \(unrewarded); letters due: \(bundle.rewards.lettersDue.count)")
        print("\nmore: field report " + HQReportName.allCases.map(\.rawValue).joined(separator: "|"))
    }
}
