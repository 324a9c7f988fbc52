import ArgumentParser
import FieldClient
import SyncCore

struct ReportStepTimes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step-times",
        abstract: "Days spent at each step of the ladder: median, 90th percentile, mean.",
        discussion: """
        Derived from the log of each case's step: from reaching a step until reaching
        a higher one, or until the decision, or (still there) until now. --now sets
        "now" (a date, 00:00 UTC; default: the clock). Cases are those reported in the
        period.

        Examples:
          field report step-times --period 2025
          field report step-times --period 2025 --now 2026-01-01 --json
        """)

    @OptionGroup var options: ReportOptions
    @Option(help: ArgumentHelp("Measure open cases until this date (YYYY-MM-DD; default: today).", valueName: "date"))
    var now: String?

    func run() throws {
        let reports = try options.reports(now: now)
        let report = try options.replica.open().report(reports, HQReports.stepTimes)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Days at each step (as of \(report.asOf), \(report.routedCases) routed cases)", reports)
        CLI.table(["STEP", "CASES", "STILL THERE", "MEDIAN", "P90", "MEAN", "NAME"], report.rows.map {
            [String($0.step), String($0.cases), String($0.stillThere), ReportText.number($0.medianDays),
             ReportText.number($0.p90Days), ReportText.number($0.meanDays), $0.name]
        })
    }
}
