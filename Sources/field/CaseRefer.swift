import ArgumentParser
import FieldClient

struct CaseRefer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refer",
        abstract: "Refer a case onward (default: the inter-ministry joint committee).",
        discussion: """
        --on gives the day it was referred when it is typed later (default: today).
        The other body's answer is due --due-days after that (default 30) or on --due;
        record it with `field case answer-referral`, and chase the overdue ones with
        `field inbox --referrals`.

        Examples:
          field case refer BSN-2026-0001
          field case refer BSN-2026-0001 --to "Ministry of Land joint committee"
          field case refer BSN-2026-0001 --on 2026-03-06 --due-days 14
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "Where the case goes.") var to: String?
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?
    @Option(help: "The day the answer is due, YYYY-MM-DD (default: 30 days after it was sent).") var due: String?
    @Option(help: "Days the other body has to answer (default 30).") var dueDays: Int?

    func validate() throws {
        if due != nil && dueDays != nil { throw ValidationError("give --due or --due-days, not both") }
    }

    func run() throws {
        let result = try replica.open().refer(target.caseRef, to: to, on: on, due: due, dueDays: dueDays)
        if output.json { try CLI.printJSON(result); return }
        printLadder(result, verb: "referred")
    }
}
