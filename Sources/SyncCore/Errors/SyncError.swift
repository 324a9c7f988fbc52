/// The one error type of the SyncCore domain.
///
/// A stable `code` lets the server map it to an HTTP status and the CLI to an exit code;
/// `message` is a one-line, human-readable explanation that says what to do.
public struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// Input that does not parse or does not follow the wire format.
        case malformed
        /// A wire version this build does not understand.
        case unsupportedVersion
        /// A field, entity kind or operation kind that the catalog does not know.
        case unknownField
        /// A value of the wrong type or outside the allowed set.
        case invalidValue
        /// The database file is not a CivicSync replica, or is damaged.
        case notAReplica
        /// The replica was made by an incompatible (newer) build.
        case incompatibleReplica
        /// A referenced entity does not exist.
        case notFound
        /// The caller may not do this.
        case forbidden
        /// The underlying storage failed.
        case storage
        /// A conflicting state prevents the action (e.g. a closed motion).
        case conflict
        /// The sync server could not be reached (network down, timeout, connection refused).
        case unreachable
        /// The sync server refused the credentials (missing, wrong or revoked token).
        case unauthorized
        /// The sync server answered with something unexpected (5xx, garbage).
        case server
        /// The sync server asks the client to wait (a rate limit or a daily quota); nothing was
        /// lost, the same request succeeds later.
        case throttled
        /// An operation of a newer schema than the server's: it waits until the server is upgraded.
        case schemaAhead
        /// The server compacted the operations a pull would need (the cursor is older than its
        /// compaction horizon): the replica takes a snapshot again, keeping its own operations.
        case compacted
    }

    public var code: Code
    public var message: String
    /// The underlying error, when there is one; kept as text so the error stays Sendable and Equatable.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause.map { String(describing: $0) }
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
