import ArgumentParser
import FieldClient
import SyncCore

struct ReportTasks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Reform tasks found per period and the change against the same period a year before.",
        discussion: """
        The first row is the whole period; then one row per month, quarter or year
        (--grain). The change is a percentage, empty when the year before had no task
        (the case study: 227 tasks by September 2005 against 75, +202.7%).

        Examples:
          field report tasks --period 2025
          field report tasks --period 2025 --grain month --branch busan
          field report tasks --period all --csv
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var grain: GrainOption

    func run() throws {
        let reports = try options.reports(grain: grain.grain)
        let report = try options.replica.open().report(reports, HQReports.tasks)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Reform tasks found", reports)
        CLI.table(["PERIOD", "TASKS", "YEAR BEFORE", "CHANGE"], ([report.total] + report.rows).map {
            [$0.period, String($0.count), $0.yearBefore.orDash, ReportText.change($0.changePercent)]
        })
    }
}
