import SyncCore
/// A stored token: never the token itself, only its SHA-256 hash, with what it grants.
public struct TokenRecord: Sendable, Equatable, Codable {
    /// Public handle for listing and revoking (also embedded in the token text).
    public var id: String
    /// Lower-case hex SHA-256 of the full token text.
    public var hash: String
    public var principal: Principal
    /// A free note from the administrator (device, person).
    public var label: String?
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(id: String, hash: String, principal: Principal, label: String?, createdAt: Int64, revokedAt: Int64? = nil) {
        self.id = id
        self.hash = hash
        self.principal = principal
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}
