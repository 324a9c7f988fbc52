import PostgresNIO
import SyncCore

/// Dashboard sessions and tickets in `civicsync_dashboard_sessions`, shared by every instance:
/// a browser signed in through one instance is signed in on all, and a ticket is used once.
extension PostgresJournal: DashboardSessionStore {
    public func insert(_ kind: DashboardSessions.Kind, hash: String, _ session: DashboardSessions.Session, now: Int64,
                       capacity: Int) async throws {
        try await wrap("store the dashboard session") {
            try await self.inTransaction { connection in
                try await connection.query("DELETE FROM civicsync_dashboard_sessions WHERE expires_ms <= \(now)", logger: self.logger)
                // Beyond the capacity, the soonest-expiring entries of this kind go first.
                try await connection.query("""
                    DELETE FROM civicsync_dashboard_sessions WHERE hash IN (
                        SELECT hash FROM civicsync_dashboard_sessions WHERE kind = \(kind.rawValue)
                        ORDER BY expires_ms DESC OFFSET \(max(0, capacity - 1)))
                    """, logger: self.logger)
                let principal = session.principal
                try await connection.query("""
                    INSERT INTO civicsync_dashboard_sessions(hash, kind, member_id, role, branch, monitor_kind, token_hash, expires_ms)
                    VALUES (\(hash), \(kind.rawValue), \(principal.memberID), \(principal.role.rawValue), \(principal.branch),
                            \(principal.monitorKind?.rawValue), \(session.tokenHash), \(session.expiresAt))
                    """, logger: self.logger)
            }
        }
    }

    public func find(_ kind: DashboardSessions.Kind, hash: String, now: Int64) async throws -> DashboardSessions.Session? {
        try await wrap("read the dashboard session") {
            try await Self.session(try await self.client.query("""
                SELECT member_id, role, branch, monitor_kind, token_hash, expires_ms FROM civicsync_dashboard_sessions
                WHERE hash = \(hash) AND kind = \(kind.rawValue) AND expires_ms > \(now)
                """, logger: self.logger))
        }
    }

    public func take(_ kind: DashboardSessions.Kind, hash: String, now: Int64) async throws -> DashboardSessions.Session? {
        try await wrap("end the dashboard session") {
            // DELETE … RETURNING: of two instances redeeming one ticket at once, one gets the row.
            let taken = try await Self.session(try await self.client.query("""
                DELETE FROM civicsync_dashboard_sessions WHERE hash = \(hash) AND kind = \(kind.rawValue)
                RETURNING member_id, role, branch, monitor_kind, token_hash, expires_ms
                """, logger: self.logger))
            return taken.flatMap { $0.expiresAt > now ? $0 : nil }
        }
    }

    private static func session(_ rows: PostgresRowSequence) async throws -> DashboardSessions.Session? {
        for try await (member, role, branch, kind, tokenHash, expires)
                in rows.decode((String, String, String?, String?, String, Int64).self) {
            guard let role = Principal.Role(rawValue: role) else { throw SyncError(.storage, "a dashboard session has an unknown role") }
            return DashboardSessions.Session(
                principal: Principal(memberID: member, role: role, branch: branch,
                                     monitorKind: kind.flatMap(Principal.MonitorKind.init(rawValue:))),
                tokenHash: tokenHash, expiresAt: expires)
        }
        return nil
    }
}
