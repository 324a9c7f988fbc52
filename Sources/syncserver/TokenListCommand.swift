import ArgumentParser
import SyncCore
import SyncServer

/// `syncserver token list`: every token with its member, role and state (never the secret).
struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List tokens (ids, members, roles, active or revoked).")

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            let tokens = try await data.openTokens()
            defer { tokens.close() }
            let authority = TokenAuthority(storage: tokens.store, ids: SystemIDSource(), wallClock: SystemWallClock())
            let records = try await authority.list()
            if json {
                CommandOutput.printJSON(.object(["tokens": .array(records.map(CommandOutput.json))]))
            } else if records.isEmpty {
                CommandOutput.print("no tokens yet; run `syncserver bootstrap` first")
            } else {
                for record in records { CommandOutput.print(CommandOutput.line(record)) }
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
