import ArgumentParser
import FieldClient

struct CaseMilestone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milestone",
        abstract: "Record a milestone a case reached.",
        discussion: """
        Milestones: agency-responsible, examined, submitted-to-council, implemented (accepted
        cases only), result-notified (the submitter was told the result),
        arbitration-notified (told the outcome of a re-examination). Decisions use
        `field case decide`, referrals `field case refer`, re-examinations
        `field case reexamine` and `field case arbitrate`. A milestone cannot be undone.

        --on gives the day it happened when it is typed later (default: today); reports use
        that date. Given again for a milestone already reached, --on corrects its date.

        Examples:
          field case milestone BSN-2026-0001 agency-responsible
          field case milestone BSN-2026-0001 examined
          field case milestone BSN-2026-0001 result-notified
          field case milestone BSN-2026-0001 examined --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Argument(help: "The milestone.") var milestone: String
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let result = try replica.open().milestone(target.caseRef, milestone, on: on)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "reached \(milestone)")
    }
}
