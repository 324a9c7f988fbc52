import ArgumentParser
import FieldClient

struct RewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward",
        abstract: "Rewards and recognition: letters, gift certificates, points, incentives (HQ).",
        discussion: """
        Headquarters records each reward it gives: an appreciation letter (or a web posting,
        a workshop invitation) for suggestions selected as reform tasks, the month's gift
        certificate for the best outside monitors, points for employees, incentives for
        divisions. The recipient's replica receives their reward at its next sync; the
        letter is printed from any replica that holds it, offline.

        Examples:
          field reward candidates --month 2026-03
          field reward give --kind gift-certificate --member lee --period 2026-03 --amount 50000
          field reward give --kind appreciation-letter --member lee --period 2026-03 --case LEE-2026-0001
          field reward letter rwd-abc --output letter.html
          field reward list --member lee
        """,
        subcommands: [RewardGive.self, RewardList.self, RewardCandidatesCommand.self, RewardLetterCommand.self])
}
