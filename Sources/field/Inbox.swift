import ArgumentParser
import FieldClient

struct Inbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What became of a submitter's cases: step, decision and reason.",
        discussion: """
        Lists the cases submitted by --submitter (default: you) with their step, status,
        decision, reason, referral (and its answer), re-examination and whether the
        result was reported back. --referrals lists instead the referrals waiting for
        the other body's answer, overdue first, to chase them.

        Examples:
          field inbox
          field inbox --submitter lee --json
          field inbox --referrals --overdue
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The submitter's member id (default: you).") var submitter: String?
    @Flag(help: "List the referrals waiting for an answer instead (overdue first).") var referrals = false
    @Flag(help: "With --referrals: only those past their due date.") var overdue = false
    @Option(help: "With --referrals: only this branch's cases.") var branch: String?

    func validate() throws {
        if !referrals && (overdue || branch != nil) { throw ValidationError("--overdue and --branch go with --referrals") }
        if referrals && submitter != nil { throw ValidationError("--submitter lists a submitter's cases; --referrals lists the referrals waiting") }
    }

    func run() throws {
        let replica = try replica.open()
        if referrals {
            let waiting = try replica.waitingReferrals(overdueOnly: overdue, branch: branch)
            if output.json { try CLI.printJSON(waiting); return }
            CLI.table(["REF", "SENT", "DUE", "WAITING", "OVERDUE", "TO", "TITLE"], waiting.map {
                [$0.ref ?? $0.caseID, $0.sentOn.orDash, $0.dueOn.orDash, $0.daysWaiting.map { "\($0) d" } ?? "-",
                 $0.overdue ? "\($0.daysOverdue ?? 0) d" : "-", $0.referredTo.orDash, $0.title.orDash]
            })
            return
        }
        let items = try replica.inbox(submitter: submitter)
        if output.json { try CLI.printJSON(items); return }
        CLI.table(["REF", "STEP", "STATUS", "DECISION", "NOTIFIED", "TITLE / REASON"], items.map { item in
            [item.ref ?? item.caseID, item.step.orDash, item.status, item.decision.orDash, item.notified ? "yes" : "no",
             (item.title ?? "") + (item.reason.map { " — \($0)" } ?? "") + (item.referredTo.map { " → referred to \($0)" } ?? "")
                + (item.referralAnswer.map { " — answer \(item.referralAnsweredOn ?? ""): \($0)" } ?? "")
                + (item.reexamination.map { " — re-examination \($0)" } ?? "") + (item.arbitrationReason.map { ": \($0)" } ?? "")]
        })
        if submitter == nil, let late = try? replica.waitingReferrals(overdueOnly: true), !late.isEmpty {
            print("\(late.count) referral(s) overdue for an answer: field inbox --referrals --overdue")
        }
    }
}
