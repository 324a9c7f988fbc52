import PostgresNIO
import SyncCore

/// Tokens in `civicsync_tokens`: shared by every instance, so a token issued or revoked
/// through any of them (or by `syncserver token …`) holds everywhere at its next request.
extension PostgresJournal: TokenStore {
    public func insertToken(_ record: TokenRecord, onlyIfNoActiveHQ: Bool) async throws -> Bool {
        try await wrap("store the token") {
            try await self.inTransaction { connection in
                if onlyIfNoActiveHQ {
                    // Two bootstraps at once: the second waits, then sees the first's token.
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.tokenLock))", logger: self.logger)
                    let rows = try await connection.query(
                        "SELECT count(*) FROM civicsync_tokens WHERE role = 'hq' AND revoked_ms IS NULL", logger: self.logger)
                    var active = 0
                    for try await count in rows.decode(Int.self) { active = count }
                    if active > 0 { return false }
                }
                let principal = record.principal
                try await connection.query("""
                    INSERT INTO civicsync_tokens(id, hash, member_id, role, branch, monitor_kind, label, created_ms, revoked_ms)
                    VALUES (\(record.id), \(record.hash), \(principal.memberID), \(principal.role.rawValue), \(principal.branch),
                            \(principal.monitorKind?.rawValue), \(record.label), \(record.createdAt), \(record.revokedAt))
                    """, logger: self.logger)
                return true
            }
        }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await tokens(where: "hash = $1", hash).first
    }

    public func tokens() async throws -> [TokenRecord] {
        try await tokens(where: nil, nil)
    }

    public func revokeTokens(_ selector: TokenSelector, at milliseconds: Int64) async throws -> [TokenRecord] {
        try await wrap("revoke tokens") {
            var query: PostgresQuery
            switch selector {
            case .id(let id):
                query = "UPDATE civicsync_tokens SET revoked_ms = \(milliseconds) WHERE id = \(id) AND revoked_ms IS NULL RETURNING \(unescaped: Self.tokenColumns)"
            case .member(let member):
                query = "UPDATE civicsync_tokens SET revoked_ms = \(milliseconds) WHERE member_id = \(member) AND revoked_ms IS NULL RETURNING \(unescaped: Self.tokenColumns)"
            }
            return try await Self.tokenRecords(try await self.client.query(query, logger: self.logger))
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    private static let tokenColumns = "id, hash, member_id, role, branch, monitor_kind, label, created_ms, revoked_ms"

    private func tokens(where condition: String?, _ argument: String?) async throws -> [TokenRecord] {
        try await wrap("read the tokens") {
            var bindings = PostgresBindings()
            if let argument { bindings.append(argument) }
            let sql = "SELECT \(Self.tokenColumns) FROM civicsync_tokens" + (condition.map { " WHERE \($0)" } ?? "")
                + " ORDER BY created_ms, id"
            return try await Self.tokenRecords(try await self.client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: self.logger))
        }
    }

    private static func tokenRecords(_ rows: PostgresRowSequence) async throws -> [TokenRecord] {
        var records: [TokenRecord] = []
        for try await (id, hash, member, role, branch, kind, label, created, revoked)
                in rows.decode((String, String, String, String, String?, String?, String?, Int64, Int64?).self) {
            guard let role = Principal.Role(rawValue: role) else {
                throw SyncError(.storage, "token \(id) has an unknown role")
            }
            records.append(TokenRecord(id: id, hash: hash,
                                       principal: Principal(memberID: member, role: role, branch: branch,
                                                            monitorKind: kind.flatMap(Principal.MonitorKind.init(rawValue:))),
                                       label: label, createdAt: created, revokedAt: revoked))
        }
        return records
    }
}

extension PostgresSyncStorage {
    public func insertToken(_ record: TokenRecord, onlyIfNoActiveHQ: Bool) async throws -> Bool {
        try await journal.insertToken(record, onlyIfNoActiveHQ: onlyIfNoActiveHQ)
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await journal.token(hash: hash)
    }

    public func tokens() async throws -> [TokenRecord] {
        try await journal.tokens()
    }

    public func revokeTokens(_ selector: TokenSelector, at milliseconds: Int64) async throws -> [TokenRecord] {
        try await journal.revokeTokens(selector, at: milliseconds)
    }
}
