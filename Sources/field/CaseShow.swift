import ArgumentParser
import FieldClient

struct CaseShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one case with its milestones, comments, history and conflicts.",
        discussion: """
        Examples:
          field case show BSN-2026-0001
          field case show case-7k2m9x1q0a --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget

    func run() throws {
        let detail = try replica.open().caseDetail(target.caseRef)
        if output.json { try CLI.printJSON(detail); return }
        let s = detail.summary
        print("\(s.ref ?? s.id)  \(s.title.orDash)")
        print("id:        \(s.id)")
        print("area:      \(s.area.orDash)    cause: \(s.cause.orDash)    source: \(s.source.orDash)")
        print("submitter: \(s.submitter.orDash)    branch: \(s.branch.orDash)    assignee: \(s.assignee.orDash)")
        print("reported:  \(s.reportedOn.orDash)    priority: \(detail.priority.orDash)")
        print("step:      \(s.step.map { "\($0) (\(detail.stepName ?? ""))" } ?? "not routed")")
        print("status:    \(s.status)")
        if let reason = detail.decisionReason { print("reason:    \(reason)") }
        if let referred = detail.referredTo { print("referred:  \(referred)") }
        if let referral = detail.referral, referral.sentOn != nil || referral.answer != nil {
            print("referral:  sent \(referral.sentOn.orDash), due \(referral.dueOn.orDash), "
                  + (referral.answeredOn.map { "answered \($0): \(referral.answer ?? "")" } ?? "no answer yet"))
        }
        if let re = detail.reexamination {
            print("re-examination: asked \(re.requestedOn.orDash): \(re.reason ?? "")")
            if let outcome = re.outcome {
                print("arbitration:    \(outcome) on \(re.outcomeOn.orDash): \(re.outcomeReason ?? "")"
                      + (re.notifiedOn.map { " (reported back \($0))" } ?? " (not reported back yet)"))
            } else {
                print("arbitration:    pending" + (re.meeting.map { " at meeting \($0)" } ?? ""))
            }
        }
        if let budget = detail.budgetPriority { print("budget priority: \(budget)") }
        if let published = detail.publishedOn {
            print("published: \(published) on the public page as \"\(detail.publicTitle ?? "")\": \(detail.publicSummary ?? "")")
        }
        print("")
        print(detail.body ?? "")
        print("")
        print("milestones:")
        for m in detail.milestones { print("  \(m.reachedOn)  \(m.milestone)  by \(m.author)") }
        if detail.milestones.isEmpty { print("  (none)") }
        print("comments:")
        for c in detail.comments { print("  \(c.author): \(c.body)") }
        if detail.comments.isEmpty { print("  (none)") }
        if !detail.attachments.isEmpty {
            print("attachments:")
            for a in detail.attachments { print("  " + describeAttachment(a)) }
        }
        if !detail.conflicts.isEmpty {
            print("conflicts:")
            for c in detail.conflicts {
                print("  \(c.field): " + c.competing.map { "\($0.value.canonicalJSON) by \($0.author) [\($0.op)]" }.joined(separator: " | "))
            }
        }
        print("history:")
        for h in detail.history {
            print("  \(h.date)  \(h.author)  \(h.kind) \(h.field)\(h.key.isEmpty ? "" : "[\(h.key)]") \(h.value == .null ? "" : h.value.canonicalJSON)")
        }
    }
}
