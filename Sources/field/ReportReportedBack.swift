import ArgumentParser
import FieldClient
import SyncCore

struct ReportReportedBack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reported-back",
        abstract: "Closed cases whose result was reported back to the submitter.",
        discussion: """
        Closed: accepted, rejected, implemented or referred. Reported back: the
        milestone result-notified. Also lists (up to 50) closed cases still waiting to
        be notified.

        Examples:
          field report reported-back --period 2025
          field report reported-back --period 2025-Q4 --branch jeju --csv
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.reportedBack)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Results reported back", reports)
        CLI.table(["STATUS", "CLOSED", "NOTIFIED", "SHARE", "AVG DAYS"], report.rows.map {
            [$0.status, String($0.closed), String($0.notified), percentText($0.percent), ReportText.number($0.averageDaysToNotify)]
        })
        if !report.waiting.isEmpty { print("\nwaiting: " + report.waiting.joined(separator: " ")) }
    }
}
