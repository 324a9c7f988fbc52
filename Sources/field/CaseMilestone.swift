import ArgumentParser
import FieldClient

struct CaseMilestone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milestone",
        abstract: "Record a milestone a case reached.",
        discussion: """
        Milestones: agency-responsible, examined, submitted-to-council, implemented (accepted
        cases only), result-notified (the submitter was told the result). Decisions use
        `field case decide`, referrals `field case refer`. A milestone cannot be undone.

        Examples:
          field case milestone BSN-2026-0001 agency-responsible
          field case milestone BSN-2026-0001 examined
          field case milestone BSN-2026-0001 result-notified
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "The milestone.") var milestone: String

    func run() throws {
        let result = try replica.open().milestone(target.caseRef, milestone)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "reached \(milestone)")
    }
}
