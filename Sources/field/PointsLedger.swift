import ArgumentParser
import FieldClient

struct PointsLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "One member's points, line by line: which case or meeting earned what.",
        discussion: """
        Examples:
          field points ledger lee
          field points ledger lee --period 2026-03 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions
    @Argument(help: "Member id.") var member: String
    @Option(help: "Period: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"

    func run() throws {
        let entries = try replica.open().ledger(member: member, period: CLI.period(period), policy: CLI.policy(policy.policy))
        if output.json { try CLI.printJSON(entries); return }
        CLI.table(["DATE", "CRITERION", "POINTS", "ON", "DETAIL"], entries.map {
            [$0.date, $0.criterion, String($0.points), "\($0.subjectKind) \($0.subjectLabel)", $0.detail.orDash]
        })
        print("total: \(entries.reduce(0) { $0 + $1.points }) points")
    }
}
