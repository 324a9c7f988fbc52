import ArgumentParser
import FieldClient

struct MotionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "motion",
        abstract: "Motions on cases, votes, closing and the tally.",
        discussion: """
        Only members of the council's electorate vote; a vote may be changed until the motion
        closes. Votes cast (on any replica) before closing count; votes after closing do not.

        Examples:
          field motion create BSN-2026-0001 --council practical --action accept --quorum 3
          field motion vote mot-abc yes --voter park
          field motion close mot-abc --enact
          field motion tally mot-abc --json
        """,
        subcommands: [MotionCreate.self, MotionVote.self, MotionClose.self, MotionTallyCommand.self, MotionList.self, MotionShow.self])
}

func printMotion(_ m: MotionView) {
    let t = m.tally
    print("\(m.id)  \(t.action.orDash) \(m.caseRef ?? m.caseID ?? "-") before council \(t.council.orDash)\(m.meeting.map { " at \($0)" } ?? "")")
    printTally(t)
    if let closedOn = m.closedOn { print("closed:  \(closedOn)") }
    if !m.votes.isEmpty {
        print("votes:")
        for v in m.votes {
            let counted = v.countedChoice == v.choice ? "" : " (counted: \(v.countedChoice ?? "none"))"
            print("  \(v.voter): \(v.choice.orDash)\(counted)\(v.votedOn.map { "  (\($0))" } ?? "")")
        }
    }
}

func printTally(_ t: MotionTally) {
    print("status:  \(t.closed ? "closed" : "open")    outcome: \(t.outcome)")
    print("tally:   yes \(t.yes), no \(t.no), abstain \(t.abstain) — \(t.counted) counted of \(t.electorate) in the electorate; quorum \(t.quorum) \(t.quorumMet ? "met" : "not met")")
    if !t.ignored.isEmpty { print("ignored: \(t.ignored.joined(separator: ", "))") }
}
