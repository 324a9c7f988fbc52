import ArgumentParser
import FieldClient
import SyncCore

struct ReportBudget: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Accepted reform tasks ranked by the budget execution committee's priority.",
        discussion: """
        Priority 1 first, then by the day reported; tasks without a priority yet come
        last. Set a priority with `field case edit CASE --budget-priority N`.

        Examples:
          field report budget --period 2025
          field report budget --branch gwangju --csv
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.budget)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Accepted tasks by budget priority (\(report.rows.count), \(report.unranked) not ranked yet)", reports)
        CLI.table(["RANK", "PRIORITY", "REF", "STATUS", "AREA", "BRANCH", "REPORTED", "TITLE"], report.rows.map {
            [String($0.rank), $0.budgetPriority.orDash, $0.ref ?? $0.caseID, $0.status, $0.area.orDash, $0.branch.orDash,
             $0.reportedOn.orDash, $0.title.orDash]
        })
    }
}
