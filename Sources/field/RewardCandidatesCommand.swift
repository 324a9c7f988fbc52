import ArgumentParser
import FieldClient

struct RewardCandidatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Propose the month's rewards: best outside monitors and letters due.",
        discussion: """
        Gift certificates: the outside monitors of the month's top --count ranks by points
        (ranked among outside monitors; ties included), each marked with the gift
        certificate already recorded for the month. Letters: outside monitors' cases
        accepted or implemented that month that no appreciation letter names yet.

        Examples:
          field reward candidates --month 2026-03
          field reward candidates --month 2026-03 --count 5 --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var policy: PolicyOptions
    @Option(help: "The month, YYYY-MM.") var month: String
    @Option(help: "How many ranks of best monitors.") var count = 3

    func run() throws {
        let proposal = try replica.open().rewardCandidates(month: month, count: count, policy: CLI.policy(policy.policy))
        if output.json { try CLI.printJSON(proposal); return }
        print("gift certificates for \(proposal.month) (top \(proposal.count) outside monitors):")
        CLI.table(["RANK", "MEMBER", "NAME", "BRANCH", "POINTS", "GIFT CERTIFICATE"], proposal.giftCertificates.map {
            [String($0.rank), $0.member, $0.name.orDash, $0.branch.orDash, String($0.points),
             $0.giftCertificate.map { id in "given: \(id)" } ?? "not yet"]
        })
        print("\nappreciation letters due (reform tasks selected in \(proposal.month)):")
        CLI.table(["CASE", "TITLE", "MEMBER", "STATUS", "SELECTED"], proposal.letters.map {
            [$0.ref ?? $0.caseID, $0.title.orDash, RewardList.recipient(member: $0.member, name: $0.name, division: nil), $0.status, $0.selectedOn]
        })
    }
}
