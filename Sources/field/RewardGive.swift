import ArgumentParser
import FieldClient

struct RewardGive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "give",
        abstract: "Record a reward given (HQ only).",
        discussion: """
        Kinds: appreciation-letter, gift-certificate, workshop-invitation, web-posting,
        points, division-incentive. A division-incentive names --division; every other kind
        names the --member who receives it. An appreciation letter names the cases (--case,
        id or reference) the member suggested that were selected as reform tasks (accepted
        or implemented); a web posting names the reforms posted; a gift certificate goes to
        an outside monitor for one month (--period YYYY-MM), once; points go to employees.
        --amount is in won (points for `points`).

        Examples:
          field reward give --kind appreciation-letter --member lee --period 2026-03 --case LEE-2026-0001
          field reward give --kind gift-certificate --member lee --period 2026-03 --amount 50000 --on 2026-04-01
          field reward give --kind division-incentive --division contracts --period 2026 --amount 1000000
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Reward id (default: a fresh rwd-… id).") var id: String?
    @Option(help: "appreciation-letter, gift-certificate, workshop-invitation, web-posting, points or division-incentive.")
    var kind: String
    @Option(help: "The member who receives it.") var member: String?
    @Option(help: "The division given an incentive.") var division: String?
    @Option(help: "The period it rewards: YYYY, YYYY-Qn or YYYY-MM.") var period: String
    @Option(name: .customLong("case"), help: "A case behind it (id or reference); repeat for several.") var cases: [String] = []
    @Option(help: "Value in won (points for `points`).") var amount: Int?
    @Option(help: "A note.") var note: String?
    @Option(help: "The day it was given, YYYY-MM-DD (default: today); not in the future.") var on: String?

    func run() throws {
        let made = try replica.open().giveReward(id: id, kind: kind, member: member, division: division, period: period,
                                                 cases: cases, amount: amount, note: note, on: on)
        if output.json { try CLI.printJSON(made); return }
        let to = made.member.map { "member \($0)" } ?? "division \(made.division ?? "?")"
        print("recorded \(made.kind ?? "reward") \(made.id) for \(to), \(made.period ?? "?"), given \(made.givenOn ?? "?")"
              + (made.refs.isEmpty ? "" : " (\(made.refs.joined(separator: ", ")))"))
    }
}
