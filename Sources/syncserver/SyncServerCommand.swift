import ArgumentParser

/// `syncserver`: runs the CivicSync sync server and administers its tokens. Every subcommand
/// works on a data directory (`--data-dir` or CIVICSYNC_DATA_DIR), or on a PostgreSQL database
/// (`--database-url` or CIVICSYNC_DATABASE_URL).
@main
struct SyncServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncserver",
        abstract: "The CivicSync sync server: replicas push and pull operations through it.",
        subcommands: [ServeCommand.self, BootstrapCommand.self, TokenCommand.self, GenerateCommand.self, MigrateCommand.self,
                      StatusCommand.self, BackupCommand.self, RestoreCommand.self, CheckCommand.self, RenewEpochCommand.self,
                      CompactCommand.self]
    )
}
