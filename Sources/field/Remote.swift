import ArgumentParser
import FieldClient
import Foundation
import SyncCore

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Configure the sync server of this replica.",
        subcommands: [RemoteSet.self, RemoteShow.self])
}

struct RemoteSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set the server URL and the token HQ issued for you.",
        discussion: """
        The token can also come from $CIVICSYNC_TOKEN (keeps it out of shell history).
        Pointing the replica at another server makes the next sync pull from that server's start.

        The token travels in every request, so a server other than this machine must be
        reached over HTTPS: a plain http:// address is refused unless you pass --insecure
        (a network you trust end to end). When HQ's certificate comes from a CA of its own,
        give that CA's certificate with --ca-cert; it is kept in the replica, and only that CA
        is trusted for this server.

        Examples:
          field remote set --server http://127.0.0.1:8080 --token 3f9c...
          CIVICSYNC_TOKEN=3f9c... field remote set --server https://hq.example --retries 5 --timeout 60
          field remote set --server https://hq.example:8443 --ca-cert hq-ca.pem --token 3f9c...
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Server base URL, e.g. http://127.0.0.1:8080.") var server: String
    @Option(help: "Access token (default: $CIVICSYNC_TOKEN).") var token: String?
    @Option(help: "Operations per push request (1-5000).") var batchSize: Int = 500
    @Option(help: "Operations per pull request (1-5000).") var pullLimit: Int = 500
    @Option(help: "Retries when the server is unreachable or fails (0-20).") var retries: Int = 3
    @Option(help: "First retry delay in milliseconds; doubles each retry.") var backoffMs: Int = 250
    @Option(help: "Per-request timeout in seconds.") var timeout: Int = 30
    @Option(help: "PEM certificate of the private CA that signed the server's HTTPS certificate.") var caCert: String?
    @Flag(help: "Allow sending the token over plain HTTP to a server other than this machine.") var insecure = false

    func run() throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["CIVICSYNC_TOKEN"] else {
            throw SyncError(.invalidValue, "no token: pass --token or set $CIVICSYNC_TOKEN to the token HQ issued for you")
        }
        var settings = SyncSettings(serverURL: server, token: token)
        settings.batchSize = batchSize
        settings.pullLimit = pullLimit
        settings.retries = retries
        settings.backoffMilliseconds = backoffMs
        settings.timeoutSeconds = timeout
        settings.insecure = insecure
        if let caCert {
            guard let pem = try? String(contentsOfFile: caCert, encoding: .utf8) else {
                throw SyncError(.invalidValue, "cannot read the CA certificate '\(caCert)': give a readable PEM file")
            }
            settings.caCertificatePEM = pem
        }
        try replica.open().setRemote(settings)
        if output.json { try CLI.printJSON(RemoteView(settings)); return }
        print("server set to \(server); run `field sync` to synchronise")
    }
}

struct RemoteShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the configured server (the token is masked).",
        discussion: """
        Examples:
          field remote show
          field remote show --json
        """)

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let settings = try replica.open().syncState().settings else {
            throw SyncError(.notFound, "no server configured; run `field remote set --server URL --token TOKEN`")
        }
        let view = RemoteView(settings)
        if output.json { try CLI.printJSON(view); return }
        print("server:     \(view.server)")
        print("token:      \(view.token)")
        print("batches:    push \(view.batchSize), pull \(view.pullLimit)")
        print("retries:    \(view.retries) (backoff from \(view.backoffMs) ms), timeout \(view.timeoutSeconds) s")
        print("security:   \(view.security)")
    }
}

/// JSON shape of `field remote set|show --json`.
struct RemoteView: Codable {
    var server: String
    var token: String
    var batchSize: Int
    var pullLimit: Int
    var retries: Int
    var backoffMs: Int
    var timeoutSeconds: Int
    /// "https", "https with a private CA", "plain HTTP on this machine" or "plain HTTP (--insecure)".
    var security: String
    var privateCA: Bool

    init(_ settings: SyncSettings) {
        server = settings.serverURL
        token = String(settings.token.prefix(4)) + "…"
        batchSize = settings.batchSize
        pullLimit = settings.pullLimit
        retries = settings.retries
        backoffMs = settings.backoffMilliseconds
        timeoutSeconds = settings.timeoutSeconds
        privateCA = settings.caCertificatePEM != nil
        if settings.serverURL.lowercased().hasPrefix("https:") {
            security = privateCA ? "https, trusting only the private CA given with --ca-cert" : "https, trusting the system's CAs"
        } else {
            security = settings.insecure ? "plain HTTP, allowed with --insecure: the token crosses the network readable" : "plain HTTP on this machine"
        }
    }
}
