import SyncCore
import Crypto
import Foundation

/// Issues, checks and revokes bearer tokens.
///
/// A token is random text (from the injected `IDSource`) shown once to the administrator; the
/// server keeps only its SHA-256 hash, so a copy of the data directory does not leak working
/// credentials. The token embeds its public id (`cs_<id>_<secret>`) so lists and revocations
/// can name it without the secret.
public struct TokenAuthority: Sendable {
    public let storage: any TokenStore
    public let ids: any IDSource
    public let wallClock: any WallClock

    public init(storage: any TokenStore, ids: any IDSource, wallClock: any WallClock) {
        self.storage = storage
        self.ids = ids
        self.wallClock = wallClock
    }

    /// A freshly issued token: the text (shown once) and what is stored.
    public struct Issued: Sendable {
        public var token: String
        public var record: TokenRecord
    }

    /// Why a request's credentials were refused.
    public enum Failure: Error, Sendable, Equatable {
        case missing
        case invalid
        case revoked(id: String)
    }

    /// Issues a token for a member with a role.
    public func issue(_ principal: Principal, label: String? = nil) async throws -> Issued {
        try Self.check(principal)
        let (token, record) = make(principal, label: label)
        _ = try await storage.insertToken(record, onlyIfNoActiveHQ: false)
        return Issued(token: token, record: record)
    }

    /// Issues the first HQ token; refuses when an unrevoked HQ token already exists.
    public func bootstrap(memberID: String, label: String? = nil) async throws -> Issued {
        let principal = Principal(memberID: memberID, role: .hq)
        try Self.check(principal)
        let (token, record) = make(principal, label: label ?? "bootstrap")
        guard try await storage.insertToken(record, onlyIfNoActiveHQ: true) else {
            throw SyncError(.conflict, "an HQ token already exists; bootstrap runs once (issue more with `syncserver token issue --role hq`)")
        }
        return Issued(token: token, record: record)
    }

    /// The principal a presented token stands for.
    public func authenticate(_ token: String?) async throws -> Principal {
        guard let token, !token.isEmpty else { throw Failure.missing }
        guard token.utf8.count <= 200, let record = try await storage.token(hash: Self.hash(token)) else { throw Failure.invalid }
        if record.isRevoked { throw Failure.revoked(id: record.id) }
        return record.principal
    }

    public func revoke(_ selector: TokenSelector) async throws -> [TokenRecord] {
        try await storage.revokeTokens(selector, at: wallClock.nowMilliseconds())
    }

    public func list() async throws -> [TokenRecord] {
        try await storage.tokens()
    }

    /// Lower-case hex SHA-256 of a token's text.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private func make(_ principal: Principal, label: String?) -> (String, TokenRecord) {
        let id = ids.randomToken(length: 10)
        let token = "cs_\(id)_\(ids.randomToken(length: 40))"
        return (token, TokenRecord(id: id, hash: Self.hash(token), principal: principal, label: label,
                                   createdAt: wallClock.nowMilliseconds()))
    }

    /// Member ids follow the operation id rules; a branch token needs its branch.
    static func check(_ principal: Principal) throws {
        func identifier(_ s: String) -> Bool {
            (1...64).contains(s.utf8.count) && s.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46
            }
        }
        guard identifier(principal.memberID) else {
            throw SyncError(.invalidValue, "member id '\(principal.memberID.prefix(80))' must be 1-64 letters, digits, '-', '_' or '.'")
        }
        if principal.role == .branch {
            guard let branch = principal.branch, identifier(branch) else {
                throw SyncError(.invalidValue, "a branch token needs its branch (--branch, e.g. --branch busan)")
            }
        }
    }
}
