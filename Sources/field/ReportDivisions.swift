import ArgumentParser
import FieldClient
import SyncCore

struct ReportDivisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divisions",
        abstract: "Points and findings per division, with the best and the worst.",
        discussion: """
        Findings are cases submitted by the division's members in the period. (none)
        groups members without a division and is never named best or worst.

        Examples:
          field report divisions --period 2025
          field report divisions --period 2025 --branch busan --json
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var policy: PolicyOptions

    func run() throws {
        let reports = try options.reports(policy: policy.policy)
        let report = try options.replica.open().report(reports, HQReports.divisions)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Divisions", reports)
        CLI.table(["RANK", "DIVISION", "POINTS", "MEMBERS", "FINDINGS", ""], report.divisions.map { row in
            [String(row.rank), row.division, String(row.points), String(row.members), String(row.findings),
             row == report.best ? "best" : row == report.worst ? "worst" : ""]
        })
    }
}
