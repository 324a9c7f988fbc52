import ArgumentParser
import FieldClient

struct Inbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What became of a submitter's cases: step, decision and reason.",
        discussion: """
        Lists the cases submitted by --submitter (default: you) with their step, status,
        decision, reason, referral and whether the result was reported back.

        Examples:
          field inbox
          field inbox --submitter lee --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "The submitter's member id (default: you).") var submitter: String?

    func run() throws {
        let items = try replica.open().inbox(submitter: submitter)
        if output.json { try CLI.printJSON(items); return }
        CLI.table(["REF", "STEP", "STATUS", "DECISION", "NOTIFIED", "TITLE / REASON"], items.map { item in
            [item.ref ?? item.caseID, item.step.orDash, item.status, item.decision.orDash, item.notified ? "yes" : "no",
             (item.title ?? "") + (item.reason.map { " — \($0)" } ?? "") + (item.referredTo.map { " → referred to \($0)" } ?? "")]
        })
    }
}
