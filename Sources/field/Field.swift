import ArgumentParser

struct Field: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "field",
        abstract: "CivicSync field client: the participatory civil-affairs workflow on an offline replica.",
        discussion: """
        Every command works offline on a local SQLite replica. The replica is --replica PATH,
        else $CIVICSYNC_REPLICA, else ./civicsync.replica.

        Examples:
          field init --member kim --name "Kim Min-ji" --role branch --branch busan --prefix BSN
          field case create --title "Bid bond refund slow" --body "..." --area goods --cause process
          field case route BSN-2026-0001
          field points leaderboard --period 2026-03
          field report tasks --period 2025 --csv

        Errors print one line on stderr and exit with the code of their kind (docs/CLI.md).
        """,
        subcommands: [
            Init.self, WhoAmI.self, Digest.self, Inbox.self, Export.self, Import.self,
            MemberCommand.self, CaseCommand.self, MeetingCommand.self, CouncilCommand.self,
            MotionCommand.self, PointsCommand.self, ConflictsCommand.self, ConsultCommand.self,
            ReportCommand.self, Generate.self, RemoteCommand.self, Sync.self, SyncStatus.self, Repair.self, Compact.self, SchemaCommand.self,
            AttachmentCommand.self, SurveyCommand.self, RewardCommand.self,
        ])
}
