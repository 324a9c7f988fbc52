import ArgumentParser
import SyncCore
import SyncServer

/// `syncserver token revoke <id>` or `--member M`: the token stops working at once.
struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token by id, or every token of a member.")

    @OptionGroup var data: DataDirectoryOptions
    @Argument(help: "Id of the token (see `token list`).") var id: String?
    @Option(help: "Revoke every active token of this member instead.") var member: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard (id == nil) != (member == nil) else {
            throw ValidationError("name a token id or --member, not both and not neither")
        }
    }

    func run() async throws {
        do {
            let selector: TokenSelector = id.map(TokenSelector.id) ?? .member(member ?? "")
            let tokens = try await data.openTokens()
            defer { tokens.close() }
            let authority = TokenAuthority(storage: tokens.store, ids: SystemIDSource(), wallClock: SystemWallClock())
            let revoked = try await authority.revoke(selector)
            guard !revoked.isEmpty else {
                throw SyncError(.notFound, id.map { "no active token with id '\($0)'" } ?? "member '\(member ?? "")' has no active token")
            }
            if json {
                CommandOutput.printJSON(.object(["revoked": .array(revoked.map(CommandOutput.json))]))
            } else {
                for record in revoked { CommandOutput.print("revoked \(CommandOutput.line(record))") }
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
