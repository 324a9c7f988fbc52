import ArgumentParser
import FieldClient
import SyncCore

struct ReportDivisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divisions",
        abstract: "Points and findings per division and per person, with the best and the worst.",
        discussion: """
        Findings are cases submitted by the division's members in the period. (none)
        groups members without a division and is never named best or worst.

        People are ranked in two lists: staff (staff and internal monitors) and, apart,
        external monitors; hq and expert members are not ranked. Each person's points,
        findings (cases they submitted) and solved cases (cases assigned to them that
        were accepted or implemented), for cases reported in the period; every member of
        those kinds is ranked, so the worst may have done nothing. The text shows each
        list's best and worst; --json and --csv hold every row.

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
        print("")
        print("Individuals: \(report.staff.rows.count) staff and internal monitors, \(report.externalMonitors.rows.count) external monitors ranked")
        var rows: [[String]] = []
        for (list, ranking) in [("staff", report.staff), ("external-monitor", report.externalMonitors)] {
            for (mark, row) in [("best", ranking.best), ("worst", ranking.worst)] {
                guard let row else { continue }
                rows.append([list, mark, String(row.rank), row.member, row.name ?? "", row.kind ?? "", row.branch ?? "",
                             row.division ?? "", String(row.points), String(row.findings), String(row.solved)])
            }
        }
        CLI.table(["LIST", "MARK", "RANK", "MEMBER", "NAME", "KIND", "BRANCH", "DIVISION", "POINTS", "FINDINGS", "SOLVED"], rows)
    }
}
