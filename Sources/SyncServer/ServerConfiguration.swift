import SyncCore
/// Everything `buildApplication` needs to know about where and how to serve.
///
/// A plain value so the command line, environment variables and tests all fill the same thing;
/// the library never reads the environment itself.
public struct ServerConfiguration: Sendable, Equatable {
    /// Interface to bind; 127.0.0.1 by default so a fresh install is not exposed by accident.
    public var host: String
    /// Port to bind; 0 asks the system for a free one (the real port is reported once bound).
    public var port: Int
    /// Largest request body accepted, in bytes; larger bodies get 413 `payload_too_large`.
    public var maxBodyBytes: Int
    /// Most operations accepted in one push; more gets 413 `batch_too_large`.
    public var maxBatchOperations: Int
    /// Pull page size when the client does not give one.
    public var defaultPullLimit: Int
    /// Largest pull page; larger requested limits are clamped to it.
    public var maxPullLimit: Int
    /// Operations a snapshot page carries when the client does not say (whole entities: a page
    /// may pass it by one entity's history).
    public var defaultSnapshotLimit = 5_000
    /// Largest snapshot page; larger requested limits are clamped to it.
    public var maxSnapshotLimit = 20_000
    /// Name used in `/v1/version` and logs.
    public var serverName: String
    /// This instance's name, among several on one database: in `/v1/health`, the metrics'
    /// `instance` label and every log line (nil: not named).
    public var instance: String?
    /// Requests per second each bearer token may sustain on the `/v1` routes behind
    /// authentication; more get 429 `rate_limited` with `Retry-After`. 0 turns the limit off.
    /// The default, 100, is several times what one replica's sync sends (it waits for each answer
    /// before the next request), so no number of replicas with their own tokens meets it, while
    /// one runaway client cannot take more than its share of the server.
    public var rateLimitPerSecond: Int
    /// Requests a token may send at once before the per-second rate applies: a sync's pull pages
    /// come back to back, and 1,000 pages of 500 operations cover half a million operations.
    public var rateLimitBurst: Int
    /// Most tokens the rate limiter remembers at once; idle ones are forgotten first, so memory
    /// stays bounded whatever the number of tokens.
    public var rateLimitTrackedTokens: Int
    /// A connection that has sent no request part for this long while no request is being
    /// answered is closed (keep-alive connections of clients that went away); nil never closes.
    public var idleTimeout: Duration?
    /// A new connection that has not sent a complete request head within this time is closed,
    /// so slow or silent connections (slowloris) cannot pile up; nil waits forever.
    public var headerTimeout: Duration?
    /// Most connections open at once; a connection over it is closed as soon as it is accepted,
    /// so the process keeps file descriptors for its database and for `/v1/health`. 0 means no cap.
    public var maxConnections: Int
    /// Where attachments' bytes are kept (`AttachmentStore`); nil keeps none (the attachment
    /// routes answer 404). `syncserver serve` uses `<data-dir>/attachments`.
    public var attachmentsDirectory: String?
    /// The largest attachment accepted, in bytes.
    public var attachmentMaxBytes: Int64 = 25 << 20
    /// The media types attachments may have.
    public var attachmentMediaTypes: Set<String> = ServerConfiguration.defaultAttachmentMediaTypes
    /// Photographs, scans and documents: what a paper grievance or an attendance sheet becomes.
    public static let defaultAttachmentMediaTypes: Set<String> = [
        "image/jpeg", "image/png", "image/heic", "image/webp", "image/gif", "application/pdf", "text/plain",
    ]
    /// HTTPS with this certificate and key; nil serves plain HTTP (on loopback, or behind a
    /// reverse proxy that ends TLS: docs/DEPLOY.md).
    public var tls: ServerTLS?

    /// The longest a pull waits for news (`GET /v1/pull?wait=`); longer waits are cut to it, so
    /// proxies and the connection's timeouts never end a waiting pull first.
    public static let longestPullWaitSeconds = 55

    /// The cap `syncserver serve` uses when none is given: 4,096, or fewer when the process may
    /// open fewer files (256 descriptors stay for SQLite, logs and the listening socket).
    public static let defaultMaxConnections = 4_096

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 8 * 1024 * 1024,
                maxBatchOperations: Int = 5_000, defaultPullLimit: Int = 500, maxPullLimit: Int = 5_000,
                serverName: String = "civicsync \(ServerVersion.current)",
                rateLimitPerSecond: Int = 100, rateLimitBurst: Int = 1_000, rateLimitTrackedTokens: Int = 10_000,
                idleTimeout: Duration? = .seconds(60), headerTimeout: Duration? = .seconds(10),
                maxConnections: Int = ServerConfiguration.defaultMaxConnections) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchOperations = maxBatchOperations
        self.defaultPullLimit = defaultPullLimit
        self.maxPullLimit = maxPullLimit
        self.serverName = serverName
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.rateLimitTrackedTokens = rateLimitTrackedTokens
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.maxConnections = maxConnections
    }

    /// The default connection cap for a process allowed `fileDescriptorLimit` open files (nil:
    /// unknown): `defaultMaxConnections`, lowered to leave 256 descriptors free, and never below
    /// 16. Without this, a burst of connections exhausts the descriptors and even `/v1/health`
    /// fails (the database cannot open a file, the listener cannot accept).
    public static func defaultMaxConnections(fileDescriptorLimit: Int?) -> Int {
        guard let fileDescriptorLimit else { return defaultMaxConnections }
        return max(16, min(defaultMaxConnections, fileDescriptorLimit - 256))
    }
}

/// The version of this server build and of the sync protocol it speaks.
public enum ServerVersion {
    /// Release of the server program.
    public static let current = "0.1.0"
    /// The sync protocol this server speaks best: bumped only when old clients can no longer
    /// talk to this server. Clients announce theirs in the `CivicSync-Protocol` header.
    /// 2: pull cursors are opaque texts and a page never exceeds its limit (`PullCursor`).
    public static let syncProtocol = 2
    /// Every protocol this server still serves: a client of any of them is answered.
    public static let supportedProtocols: ClosedRange<Int> = 1...2
}
