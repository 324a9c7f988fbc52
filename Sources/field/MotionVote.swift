import ArgumentParser
import FieldClient

struct MotionVote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote",
        abstract: "Cast or change a vote: yes, no or abstain.",
        discussion: """
        Votes for you, or with --voter for another member (staff replicas recording a council).
        --on gives the day the vote was cast when it is typed later (default: today). Which
        votes count is still decided by when they were recorded against the closing.

        Examples:
          field motion vote mot-abc yes
          field motion vote mot-abc no --voter prof-han
          field motion vote mot-abc yes --voter prof-han --on 2026-03-06
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Motion id.") var motion: String
    @Argument(help: "yes, no or abstain.") var choice: String
    @Option(help: "The voter (default: you).") var voter: String?
    @Option(help: "The day it happened, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let field = try replica.open()
        let view = try field.vote(motion, choice, voter: voter, on: on)
        if output.json { try CLI.printJSON(view); return }
        let who = try voter ?? field.identity().memberID
        let votedOn = view.votes.first { $0.voter == who }?.votedOn
        print("recorded vote \(choice) on \(motion)\(votedOn.map { ", cast on \($0)" } ?? "")")
        printTally(view.tally)
    }
}
