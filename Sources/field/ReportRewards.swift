import ArgumentParser
import FieldClient
import SyncCore

struct ReportRewards: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewards",
        abstract: "Rewards given in the period, and each month's best outside monitors against gift certificates given.",
        discussion: """
        Rewards count in the period of the day they were given. Each month of the period
        lists its best outside monitors (top --count ranks by points, ties included) and
        the gift certificate recorded for that month, if any; then the outside monitors'
        reform tasks selected in the period that no appreciation letter names yet. With
        --branch, rewards and candidates of that branch's members (division incentives
        have no branch). Record rewards with `field reward give`.

        Examples:
          field report rewards --period 2026-Q1
          field report rewards --period 2026 --csv
        """)

    @OptionGroup var options: ReportOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "Ranks of best monitors proposed each month.") var count = 3

    func run() throws {
        let reports = try options.reports(policy: policy.policy, count: count)
        let report = try options.replica.open().report(reports, HQReports.rewards)
        if try options.printMachineReadable(report) { return }
        ReportText.heading("Rewards (\(report.total) given)", reports)
        print(report.byKind.filter { $0.count > 0 }.map { "\($0.kind) \($0.count)" }.joined(separator: ", "))
        CLI.table(["ID", "KIND", "RECIPIENT", "PERIOD", "GIVEN", "AMOUNT", "CASES"], report.rewards.map {
            [$0.id, $0.kind, RewardList.recipient(member: $0.member, name: $0.name, division: $0.division),
             $0.period.orDash, $0.givenOn.orDash, $0.amount.orDash, $0.refs.isEmpty ? "-" : $0.refs.joined(separator: " ")]
        })
        for month in report.months {
            print("\n\(month.month): " + month.candidates.map {
                "\($0.rank). \($0.name ?? $0.member) (\($0.points))" + ($0.giftCertificate == nil ? " not yet rewarded" : " rewarded")
            }.joined(separator: ", "))
        }
        if !report.lettersDue.isEmpty {
            print("\nappreciation letters due: " + report.lettersDue.map { "\($0.ref ?? $0.caseID) (\($0.name ?? $0.member))" }.joined(separator: ", "))
        }
    }
}
