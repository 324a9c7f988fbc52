import ArgumentParser
import FieldClient
import SyncCore

struct ReportSatisfaction: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "satisfaction",
        abstract: "Customers' satisfaction score per surveyed period, and the change on the year before.",
        discussion: """
        One series per survey source and scope (the whole agency, a branch, an area).
        A period is compared with the same period a year before, or, for a quarter or
        month not surveyed then, with the whole year before (2005-Q1 against 2004).
        Record results with `field survey record`.

        Examples:
          field report satisfaction
          field report satisfaction --period 2005 --csv
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.satisfaction)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Customer satisfaction (\(report.rows.count) figures)", reports)
        if let latest = report.latest {
            print("latest agency-wide: \(latest.period) \(SatisfactionReport.pointsText(latest.score)) points"
                  + (latest.change.map { ", \(Self.signed($0)) on \(latest.comparedWith ?? "the year before")" } ?? ""))
        }
        CLI.table(["PERIOD", "SOURCE", "SCOPE", "SCORE", "VS", "BEFORE", "CHANGE", "RESPONDENTS"], report.rows.map {
            [$0.period, $0.source, ($0.branch ?? "agency") + ($0.area.map { "/\($0)" } ?? ""), SatisfactionReport.pointsText($0.score),
             $0.comparedWith.orDash, $0.previousScore == nil ? "-" : SatisfactionReport.pointsText($0.previousScore),
             $0.change.map(Self.signed) ?? "-", $0.respondents.map(String.init) ?? "-"]
        })
        if report.unreadable > 0 { print("\(report.unreadable) survey(s) left out: their period or score cannot be read") }
    }

    static func signed(_ change: Double) -> String { (change > 0 ? "+" : "") + SatisfactionReport.pointsText(change) }
}
