import ArgumentParser
import FieldClient

struct CaseAnswerReferral: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer-referral",
        abstract: "Record the other body's answer to a case referred onward.",
        discussion: """
        The answer of the inter-ministry joint committee, the Prime Minister's mediation
        council or whichever body the case was referred to, and the day it came (--on,
        default today). It reaches the submitter's inbox; `field report referrals`
        measures the time to answer.

        Examples:
          field case answer-referral BSN-2026-0001 --answer "The ministry amends the decree in May"
          field case answer-referral BSN-2026-0001 --answer "Declined" --on 2026-04-02
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var target: CaseTarget
    @Option(help: "What the other body answered.") var answer: String
    @Option(help: "The day the answer came, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let detail = try replica.open().answerReferral(target.caseRef, answer: answer, on: on)
        if output.json { try CLI.printJSON(detail); return }
        let referral = detail.referral
        print("\(detail.summary.ref ?? detail.summary.id): answered on \(referral?.answeredOn ?? "?")"
              + (referral?.sentOn.map { ", sent on \($0)" } ?? ""))
    }
}
