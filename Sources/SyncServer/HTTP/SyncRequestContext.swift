import SyncCore
import Hummingbird

/// The per-request context: Hummingbird's core storage plus the authenticated principal,
/// which `AuthMiddleware` sets before any sync route runs.
public struct SyncRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, once authenticated; nil on the open routes (health, version, metrics).
    public var principal: Principal?
    /// SHA-256 of the caller's bearer token, once authenticated: the rate limiter's key (the
    /// token itself is never kept).
    public var tokenHash: String?
    /// The schema version the client announced (`CivicSync-Schema`), if it did.
    public var clientSchemaVersion: Int?
    /// The sync protocol the client announced (`CivicSync-Protocol`); 1 when it announced none.
    public var clientProtocol: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        tokenHash = nil
        clientSchemaVersion = nil
        clientProtocol = 1
    }

    /// The principal, for routes behind `AuthMiddleware` (a missing one is a wiring bug).
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthorized("missing_token", "this route needs a bearer token") }
        return principal
    }
}
