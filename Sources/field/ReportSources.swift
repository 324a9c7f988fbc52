import ArgumentParser
import FieldClient
import SyncCore

struct ReportSources: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "Who found the tasks: cases by source, count and share.",
        discussion: """
        Sources: external-monitor, internal-monitor, call-centre, division, workshop
        (all five listed, zeros included). The case study: 6 of 72 tasks, 8.3%, by
        external monitors in 2004.

        Examples:
          field report sources --period 2025
          field report sources --period 2025-Q3 --branch seoul --json
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.sources)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Tasks by source (\(report.total) in all)", reports)
        CLI.table(["SOURCE", "TASKS", "SHARE"], report.rows.map { [$0.key, String($0.count), percentText($0.percent)] })
    }
}
