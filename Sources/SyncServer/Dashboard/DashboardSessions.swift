import Crypto
import Foundation
import SyncCore

/// The dashboard's browser sessions and one-time login tickets, kept in the server's memory.
///
/// A browser cannot send a bearer header by itself, so `POST /dashboard/login` (with the token
/// in a form) or a one-time ticket (`GET /dashboard/login?ticket=…`, issued to an HQ bearer by
/// `POST /v1/dashboard/ticket`) opens a session whose random id lives in an HttpOnly,
/// SameSite=Strict cookie. Only the SHA-256 of ids and tickets is kept, so a memory dump does
/// not hand out working cookies. Each session remembers the hash of the token that opened it:
/// the dashboard re-checks that token on every page, so revoking it ends its sessions too.
/// Sessions end after `sessionLifetime` whatever happens (no sliding renewal), tickets after
/// `ticketLifetime` or at first use. Where they are kept is a `DashboardSessionStore`: the
/// server's memory for the embedded store (a restart ends every session: HQ logs in again), the
/// database for the PostgreSQL store, so a browser sent to any instance stays signed in and a
/// ticket is used once across all of them.
public actor DashboardSessions {
    /// A signed-in browser.
    public struct Session: Sendable, Hashable {
        public var principal: Principal
        /// SHA-256 of the token that opened the session (see `TokenAuthority.hash`).
        public var tokenHash: String
        /// Milliseconds since the epoch.
        public var expiresAt: Int64
    }

    /// Sessions and tickets are kept apart: a ticket's secret never opens a page.
    public enum Kind: String, Sendable { case session, ticket }

    private let store: any DashboardSessionStore
    private let ids: any IDSource
    private let wallClock: any WallClock
    /// How long a session lasts, in milliseconds (8 hours: a working day).
    public let sessionLifetime: Int64
    /// How long a login ticket stays valid, in milliseconds (2 minutes: enough to open a link).
    public let ticketLifetime: Int64
    /// Most sessions (and, separately, tickets) kept at once; the oldest are dropped beyond it.
    public let capacity: Int

    public init(ids: any IDSource, wallClock: any WallClock, sessionLifetime: Int64 = 8 * 3_600_000,
                ticketLifetime: Int64 = 120_000, capacity: Int = 10_000, store: (any DashboardSessionStore)? = nil) {
        self.store = store ?? InMemoryDashboardSessions()
        self.ids = ids
        self.wallClock = wallClock
        self.sessionLifetime = sessionLifetime
        self.ticketLifetime = ticketLifetime
        self.capacity = max(1, capacity)
    }

    /// Opens a session and returns its id (for the cookie, shown once) and its expiry.
    public func open(for principal: Principal, tokenHash: String) async throws -> (id: String, expiresAt: Int64) {
        try await mint(principal, tokenHash: tokenHash, lifetime: sessionLifetime, as: .session)
    }

    /// The live session with this id, or nil (unknown or expired; an expired one is forgotten).
    public func session(_ id: String) async throws -> Session? {
        try await store.find(.session, hash: Self.hash(id), now: wallClock.nowMilliseconds())
    }

    /// Ends a session (logout, or its token was revoked).
    public func close(_ id: String) async throws {
        _ = try await store.take(.session, hash: Self.hash(id), now: wallClock.nowMilliseconds())
    }

    /// Issues a single-use login ticket for an HQ principal already authenticated by bearer token.
    public func issueTicket(for principal: Principal, tokenHash: String) async throws -> (ticket: String, expiresAt: Int64) {
        let minted = try await mint(principal, tokenHash: tokenHash, lifetime: ticketLifetime, as: .ticket)
        return (minted.id, minted.expiresAt)
    }

    /// Uses up a ticket: the principal it was issued for, or nil if it is unknown, expired or
    /// already used. The caller opens the session.
    public func redeem(_ ticket: String) async throws -> Session? {
        try await store.take(.ticket, hash: Self.hash(ticket), now: wallClock.nowMilliseconds())
    }

    /// A new random secret recorded (by hash only) with its expiry.
    private func mint(_ principal: Principal, tokenHash: String, lifetime: Int64,
                      as kind: Kind) async throws -> (id: String, expiresAt: Int64) {
        let now = wallClock.nowMilliseconds()
        let secret = ids.randomToken(length: 43)
        let record = Session(principal: principal, tokenHash: tokenHash, expiresAt: now + lifetime)
        try await store.insert(kind, hash: Self.hash(secret), record, now: now, capacity: capacity)
        return (secret, record.expiresAt)
    }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Where dashboard sessions and tickets are kept, by the SHA-256 of their secrets.
public protocol DashboardSessionStore: Sendable {
    /// Records a new entry; expired ones may be dropped, and beyond `capacity` entries of its
    /// kind the soonest-expiring ones.
    func insert(_ kind: DashboardSessions.Kind, hash: String, _ session: DashboardSessions.Session, now: Int64,
                capacity: Int) async throws
    /// The live entry (an expired one is forgotten and nil returned).
    func find(_ kind: DashboardSessions.Kind, hash: String, now: Int64) async throws -> DashboardSessions.Session?
    /// Removes the entry and returns it if it was live: one caller gets a ticket, however many ask.
    func take(_ kind: DashboardSessions.Kind, hash: String, now: Int64) async throws -> DashboardSessions.Session?
}

/// Sessions in the server's memory (the embedded store's default).
/// An actor: the two tables are shared mutable state.
actor InMemoryDashboardSessions: DashboardSessionStore {
    private var tables: [DashboardSessions.Kind: [String: DashboardSessions.Session]] = [:]

    func insert(_ kind: DashboardSessions.Kind, hash: String, _ session: DashboardSessions.Session, now: Int64, capacity: Int) {
        var table = tables[kind, default: [:]].filter { $0.value.expiresAt > now }
        if table.count >= capacity {
            for key in table.sorted(by: { $0.value.expiresAt < $1.value.expiresAt }).prefix(table.count - capacity + 1).map(\.key) {
                table[key] = nil
            }
        }
        table[hash] = session
        tables[kind] = table
    }

    func find(_ kind: DashboardSessions.Kind, hash: String, now: Int64) -> DashboardSessions.Session? {
        guard let session = tables[kind]?[hash] else { return nil }
        guard session.expiresAt > now else {
            tables[kind]?[hash] = nil
            return nil
        }
        return session
    }

    func take(_ kind: DashboardSessions.Kind, hash: String, now: Int64) -> DashboardSessions.Session? {
        guard let session = tables[kind]?.removeValue(forKey: hash), session.expiresAt > now else { return nil }
        return session
    }
}
