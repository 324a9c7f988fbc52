import ArgumentParser
import FieldClient

struct RewardList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the rewards this replica holds (a member's replica: their own).",
        discussion: """
        Examples:
          field reward list
          field reward list --member lee --period 2026 --json
          field reward list --kind gift-certificate --period 2026-03
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this member's rewards.") var member: String?
    @Option(help: "Only rewards for a period within: all, YYYY, YYYY-Qn or YYYY-MM.") var period = "all"
    @Option(help: "Only this kind.") var kind: String?

    func run() throws {
        let rows = try replica.open().rewards(member: member, kind: kind, period: CLI.period(period))
        if output.json { try CLI.printJSON(rows); return }
        CLI.table(["ID", "KIND", "RECIPIENT", "PERIOD", "GIVEN", "AMOUNT", "CASES"], rows.map {
            [$0.id, $0.kind.orDash, Self.recipient(member: $0.member, name: $0.name, division: $0.division),
             $0.period.orDash, $0.givenOn.orDash, $0.amount.orDash, $0.refs.isEmpty ? "-" : $0.refs.joined(separator: " ")]
        })
    }

    /// `Lee (lee)`, or `division contracts` for an incentive.
    static func recipient(member: String?, name: String?, division: String?) -> String {
        guard let member else { return "division \(division ?? "?")" }
        return name.map { "\($0) (\(member))" } ?? member
    }
}
