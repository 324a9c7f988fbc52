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
    /// Name used in `/v1/version` and logs.
    public var serverName: String

    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 8 * 1024 * 1024,
                maxBatchOperations: Int = 5_000, defaultPullLimit: Int = 500, maxPullLimit: Int = 5_000,
                serverName: String = "civicsync \(ServerVersion.current)") {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchOperations = maxBatchOperations
        self.defaultPullLimit = defaultPullLimit
        self.maxPullLimit = maxPullLimit
        self.serverName = serverName
    }
}

/// The version of this server build and of the sync protocol it speaks.
public enum ServerVersion {
    /// Release of the server program.
    public static let current = "0.1.0"
    /// The sync protocol: bumped only when old clients can no longer talk to this server.
    /// Clients announce theirs in the `CivicSync-Protocol` header.
    public static let syncProtocol = 1
}
