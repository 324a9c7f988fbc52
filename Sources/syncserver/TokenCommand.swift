import ArgumentParser

/// `syncserver token …`: issue, revoke and list tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, revoke and list access tokens.",
        subcommands: [TokenIssueCommand.self, TokenRevokeCommand.self, TokenListCommand.self]
    )
}
