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
/// `ticketLifetime` or at first use. A restart ends every session (HQ logs in again).
public actor DashboardSessions {
    /// A signed-in browser.
    public struct Session: Sendable, Hashable {
        public var principal: Principal
        /// SHA-256 of the token that opened the session (see `TokenAuthority.hash`).
        public var tokenHash: String
        /// Milliseconds since the epoch.
        public var expiresAt: Int64
    }

    private var sessions: [String: Session] = [:]
    private var tickets: [String: Session] = [:]
    private let ids: any IDSource
    private let wallClock: any WallClock
    /// How long a session lasts, in milliseconds (8 hours: a working day).
    public let sessionLifetime: Int64
    /// How long a login ticket stays valid, in milliseconds (2 minutes: enough to open a link).
    public let ticketLifetime: Int64
    /// Most sessions (and, separately, tickets) kept at once; the oldest are dropped beyond it.
    public let capacity: Int

    public init(ids: any IDSource, wallClock: any WallClock, sessionLifetime: Int64 = 8 * 3_600_000,
                ticketLifetime: Int64 = 120_000, capacity: Int = 10_000) {
        self.ids = ids
        self.wallClock = wallClock
        self.sessionLifetime = sessionLifetime
        self.ticketLifetime = ticketLifetime
        self.capacity = max(1, capacity)
    }

    /// Opens a session and returns its id (for the cookie, shown once) and its expiry.
    public func open(for principal: Principal, tokenHash: String) -> (id: String, expiresAt: Int64) {
        mint(principal, tokenHash: tokenHash, lifetime: sessionLifetime, into: &sessions)
    }

    /// The live session with this id, or nil (unknown or expired; an expired one is forgotten).
    public func session(_ id: String) -> Session? {
        let key = Self.hash(id)
        guard let session = sessions[key] else { return nil }
        guard session.expiresAt > wallClock.nowMilliseconds() else {
            sessions[key] = nil
            return nil
        }
        return session
    }

    /// Ends a session (logout, or its token was revoked).
    public func close(_ id: String) {
        sessions[Self.hash(id)] = nil
    }

    /// Issues a single-use login ticket for an HQ principal already authenticated by bearer token.
    public func issueTicket(for principal: Principal, tokenHash: String) -> (ticket: String, expiresAt: Int64) {
        let minted = mint(principal, tokenHash: tokenHash, lifetime: ticketLifetime, into: &tickets)
        return (minted.id, minted.expiresAt)
    }

    /// Uses up a ticket: the principal it was issued for, or nil if it is unknown, expired or
    /// already used. The caller opens the session.
    public func redeem(_ ticket: String) -> Session? {
        let key = Self.hash(ticket)
        guard let record = tickets.removeValue(forKey: key), record.expiresAt > wallClock.nowMilliseconds() else { return nil }
        return record
    }

    /// A new random secret recorded (by hash only) in `table` with its expiry.
    private func mint(_ principal: Principal, tokenHash: String, lifetime: Int64,
                      into table: inout [String: Session]) -> (id: String, expiresAt: Int64) {
        let now = wallClock.nowMilliseconds()
        Self.prune(&table, now: now, capacity: capacity)
        let secret = ids.randomToken(length: 43)
        let record = Session(principal: principal, tokenHash: tokenHash, expiresAt: now + lifetime)
        table[Self.hash(secret)] = record
        return (secret, record.expiresAt)
    }

    /// Sessions currently held (expired ones may still be counted until pruned).
    public var count: Int { sessions.count }

    /// Drops expired entries, then the soonest-expiring ones until there is room for one more.
    private static func prune(_ table: inout [String: Session], now: Int64, capacity: Int) {
        table = table.filter { $0.value.expiresAt > now }
        if table.count >= capacity {
            for key in table.sorted(by: { $0.value.expiresAt < $1.value.expiresAt }).prefix(table.count - capacity + 1).map(\.key) {
                table[key] = nil
            }
        }
    }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
