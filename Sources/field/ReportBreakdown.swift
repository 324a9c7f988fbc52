import ArgumentParser
import FieldClient
import SyncCore

struct ReportBreakdown: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakdown",
        abstract: "Cases by area, cause, step, status, source and branch.",
        discussion: """
        Known values are listed in a fixed order, zeros included; (none) counts cases
        without the value (e.g. not routed yet for the step).

        Examples:
          field report breakdown --period 2025
          field report breakdown --period 2025-06 --branch daegu --csv
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.breakdown)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Cases (\(report.total) in all)", reports)
        for (index, dimension) in report.dimensions.enumerated() {
            if index > 0 { print("") }
            ReportText.shares("by \(dimension.name):", dimension.rows)
        }
    }
}
