import ArgumentParser
import SyncCore
import SyncServer

/// `syncserver token issue --member M --role R [--branch B] [--kind K]`.
struct TokenIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token for a member (shown once; only its hash is stored).")

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Member id the token acts as.") var member: String
    @Option(help: "Role: hq, branch, monitor or expert (an outside expert of a consultation council: votes and comments there, earns no points).") var role: String
    @Option(help: "The branch of a branch token.") var branch: String?
    @Option(help: "Monitor kind: external or internal (monitor tokens; default external).") var kind: String?
    @Option(help: "A note stored with the token.") var label: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            guard let role = Principal.Role(rawValue: role) else {
                throw SyncError(.invalidValue, "unknown role '\(role)'; use hq, branch, monitor or expert")
            }
            var monitorKind: Principal.MonitorKind?
            if let kind {
                guard role == .monitor else { throw SyncError(.invalidValue, "--kind applies to monitor tokens only") }
                guard let parsed = Principal.MonitorKind(rawValue: kind) else {
                    throw SyncError(.invalidValue, "unknown monitor kind '\(kind)'; use external or internal")
                }
                monitorKind = parsed
            }
            if branch != nil, role != .branch {
                throw SyncError(.invalidValue, "--branch applies to branch tokens only")
            }
            let tokens = try await data.openTokens()
            defer { tokens.close() }
            let authority = TokenAuthority(storage: tokens.store, ids: SystemIDSource(), wallClock: SystemWallClock())
            let issued = try await authority.issue(Principal(memberID: member, role: role, branch: branch, monitorKind: monitorKind),
                                                   label: label)
            if json {
                CommandOutput.printIssued(issued.record, token: issued.token)
            } else {
                CommandOutput.print(issued.token)
                CommandOutput.print("token \(issued.record.id) for \(issued.record.principal.summary); it is shown only once: store it now.")
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
