import ArgumentParser
import FieldClient
import SyncCore

struct ReportReexaminations: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reexaminations",
        abstract: "Re-examinations asked for and the outcomes of their dispute arbitration.",
        discussion: """
        A re-examination counts in the period of the day it was asked for. Outcomes:
        upheld (the decision stands), overturned, pending; with the median days from
        the request to the outcome and how many outcomes were reported back.

        Examples:
          field report reexaminations --period 2005
          field report reexaminations --csv
        """)

    @OptionGroup var options: ReportOptions

    func run() throws {
        let reports = try options.reports()
        let report = try options.replica.open().report(reports, HQReports.reexaminations)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Re-examinations (\(report.requested) asked for)", reports)
        CLI.table(["OUTCOME", "CASES", "PERCENT", "MEDIAN DAYS", "REPORTED BACK"], report.rows.map {
            [$0.outcome, String($0.cases), percentText($0.percent), ReportText.number($0.medianDaysToOutcome), String($0.notified)]
        })
        if !report.cases.isEmpty {
            print("")
            CLI.table(["REF", "ASKED", "DECISION RE-EXAMINED", "OUTCOME", "ON", "NOW", "REPORTED BACK"], report.cases.map {
                [$0.ref ?? $0.caseID, $0.requestedOn, $0.decisionReexamined.orDash, $0.outcome ?? "pending", $0.outcomeOn.orDash,
                 $0.decision.orDash, $0.notifiedOn.orDash]
            })
        }
    }
}
