import ArgumentParser
import FieldClient
import SyncCore

struct ReportReferrals: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referrals",
        abstract: "Cases referred onward: answered, waiting, overdue, and the time to answer.",
        discussion: """
        A referral counts in the period of the day it was sent. It is overdue when it
        has no answer after its due date (default: 30 days after it was sent) as of
        --now (default today).

        Examples:
          field report referrals --period 2005
          field report referrals --now 2005-12-31 --csv
        """)

    @OptionGroup var options: ReportOptions
    @Option(help: "Judge overdue as of this day, YYYY-MM-DD (default: today).") var now: String?

    func run() throws {
        let reports = try options.reports(now: now)
        let report = try options.replica.open().report(reports, HQReports.referrals)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Referrals (as of \(report.asOf))", reports)
        CLI.table(["TO", "SENT", "ANSWERED", "WAITING", "OVERDUE", "MEDIAN DAYS", "MEAN DAYS"], report.rows.map {
            [$0.body, String($0.sent), String($0.answered), String($0.waiting), String($0.overdue),
             ReportText.number($0.medianDaysToAnswer), ReportText.number($0.meanDaysToAnswer)]
        })
        if !report.overdue.isEmpty {
            print("")
            print("overdue:")
            CLI.table(["REF", "TO", "SENT", "DUE", "DAYS OVERDUE", "TITLE"], report.overdue.map {
                [$0.ref ?? $0.caseID, $0.body.orDash, $0.sentOn.orDash, $0.dueOn.orDash, String($0.daysOverdue), $0.title.orDash]
            })
        }
    }
}
