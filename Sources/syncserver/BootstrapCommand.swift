import ArgumentParser
import SyncCore
import SyncServer

/// `syncserver bootstrap`: the first HQ token, so the administrator can start. Refuses once an
/// HQ token exists (more are issued with `token issue --role hq`).
struct BootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Create the first HQ token (shown once). Refuses if an HQ token already exists.")

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Member id of the HQ administrator.") var member: String = "hq"
    @Option(help: "A note stored with the token.") var label: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        do {
            let tokens = try await data.openTokens()
            defer { tokens.close() }
            let authority = TokenAuthority(storage: tokens.store, ids: SystemIDSource(), wallClock: SystemWallClock())
            let issued = try await authority.bootstrap(memberID: member, label: label)
            if json {
                CommandOutput.printIssued(issued.record, token: issued.token)
            } else {
                CommandOutput.print(issued.token)
                CommandOutput.print("HQ token \(issued.record.id) for member \(member); it is shown only once: store it now.")
            }
        } catch {
            throw CommandOutput.fail(error, json: json)
        }
    }
}
