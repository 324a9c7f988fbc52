import ArgumentParser
import FieldClient

struct PointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "points",
        abstract: "Mileage points (Table 1), computed from the merged facts.",
        discussion: """
        The policy is Schemas/points-policy.json (built in); --policy FILE or
        $CIVICSYNC_POINTS_POLICY loads another version. Periods: all, YYYY, YYYY-Qn, YYYY-MM;
        a milestone counts on the day it was reached, a meeting on its date.

        Examples:
          field points leaderboard --period 2026-Q1
          field points ledger lee
          field points best --month 2026-03 --count 5
          field points divisions --period 2026
        """,
        subcommands: [PointsLeaderboard.self, PointsLedger.self, PointsBest.self, PointsDivisions.self, PointsPolicyCommand.self])
}

struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A points policy file (default: $CIVICSYNC_POINTS_POLICY, else the built-in Table 1 policy).", valueName: "file"))
    var policy: String?
}

func printLeaderboard(_ rows: [LeaderboardRow]) {
    CLI.table(["RANK", "MEMBER", "POINTS", "ENTRIES", "KIND", "DIVISION", "NAME"], rows.map {
        [String($0.rank), $0.member, String($0.points), String($0.entries), $0.kind.orDash, $0.division.orDash, $0.name.orDash]
    })
}
