import ArgumentParser
import FieldClient
import SyncCore

struct ReportReplies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replies",
        abstract: "Reply rate to customers: consultations received, answered, rate and days to answer.",
        discussion: """
        Consultations (logged with `field consult log`) count in the period they were
        received; answered means a reply date is recorded. Lists: overall, per period
        (--grain), per branch, per channel (the case study: 80% in the first quarter,
        98% in the second).

        Examples:
          field report replies --period 2025
          field report replies --period 2025 --grain month --branch busan --csv
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var grain: GrainOption

    func run() throws {
        let reports = try options.reports(grain: grain.grain)
        let report = try options.replica.open().report(reports, HQReports.replies)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Reply rate", reports)
        func rows(_ list: [ReplyRateReport.Row]) -> [[String]] {
            list.map { [$0.key, String($0.received), String($0.answered), percentText($0.percent), ReportText.number($0.averageDaysToAnswer)] }
        }
        let header = ["", "RECEIVED", "ANSWERED", "RATE", "AVG DAYS"]
        CLI.table(["OVERALL"] + header.dropFirst(), rows([report.overall]))
        print("")
        CLI.table(["PERIOD"] + header.dropFirst(), rows(report.byPeriod))
        print("")
        CLI.table(["BRANCH"] + header.dropFirst(), rows(report.byBranch))
        print("")
        CLI.table(["CHANNEL"] + header.dropFirst(), rows(report.byChannel))
    }
}
