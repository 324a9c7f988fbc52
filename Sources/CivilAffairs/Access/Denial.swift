import SyncCore
/// Why an operation was refused: a stable snake_case code for programs and a one-line reason
/// for people. Sent to the client in the push response's `rejected` list.
public struct Denial: Sendable, Hashable, Codable {
    /// The rejection codes the server uses.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The operation's author is not the token's member.
        case authorMismatch = "author_mismatch"
        /// The rules do not let this principal write this.
        case forbidden
        /// The operation refers to an entity the server does not have.
        case notFound = "not_found"
        /// The operation id names another replica than the pushing one.
        case foreignReplica = "foreign_replica"
        /// The id was already used for a different operation.
        case idConflict = "id_conflict"
        /// The operation's timestamp was already used by another operation of the same replica
        /// (a replica never reuses one; two writes with one timestamp would merge ambiguously).
        case hlcReused = "hlc_reused"
        /// The wire form does not parse.
        case malformed
        /// An operation wire version this server does not read.
        case unsupportedVersion = "unsupported_version"
        /// Unknown entity kind or field.
        case unknownField = "unknown_field"
        /// A value of the wrong type or out of range.
        case invalidValue = "invalid_value"
        /// The operation is of a newer schema than the server's (a field or value it does not
        /// know yet): refused for now, not for good; it goes again once the server is upgraded.
        case schemaAhead = "schema_ahead"
        /// The operation's timestamp is further ahead of the server's clock than allowed: the
        /// device's clock is wrong, and accepting it would drag every replica's clock forward.
        case clockAhead = "clock_ahead"

        /// The code for a validation error from SyncCore.
        public init(_ code: SyncError.Code) {
            switch code {
            case .unsupportedVersion: self = .unsupportedVersion
            case .unknownField: self = .unknownField
            case .invalidValue: self = .invalidValue
            case .forbidden: self = .forbidden
            case .notFound: self = .notFound
            case .schemaAhead: self = .schemaAhead
            default: self = .malformed
            }
        }
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
}
