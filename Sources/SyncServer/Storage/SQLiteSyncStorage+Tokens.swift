import SyncCore
import GRDB

/// Token records in `server_tokens`.
extension SQLiteSyncStorage {
    public func insertToken(_ record: TokenRecord, onlyIfNoActiveHQ: Bool) async throws -> Bool {
        try await Self.wrapAsync {
            try await writer.write { db in
                if onlyIfNoActiveHQ,
                   try Bool.fetchOne(db, sql: "SELECT 1 FROM server_tokens WHERE role = 'hq' AND revoked_ms IS NULL") != nil {
                    return false
                }
                try db.execute(sql: """
                    INSERT INTO server_tokens(id, hash, member_id, role, branch, monitor_kind, label, created_ms, revoked_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [record.id, record.hash, record.principal.memberID, record.principal.role.rawValue,
                                     record.principal.branch, record.principal.monitorKind?.rawValue, record.label,
                                     record.createdAt, record.revokedAt])
                return true
            }
        }
    }

    public func token(hash: String) async throws -> TokenRecord? {
        try await Self.wrapAsync {
            try await writer.read { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM server_tokens WHERE hash = ?"), arguments: [hash]).map(Self.tokenRecord)
            }
        }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await Self.wrapAsync {
            try await writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM server_tokens ORDER BY created_ms, id").map(Self.tokenRecord)
            }
        }
    }

    public func revokeTokens(_ selector: TokenSelector, at milliseconds: Int64) async throws -> [TokenRecord] {
        try await Self.wrapAsync {
            try await writer.write { db in
                let condition: String, argument: String
                switch selector {
                case .id(let id): (condition, argument) = ("id = ?", id)
                case .member(let member): (condition, argument) = ("member_id = ?", member)
                }
                let ids = try String.fetchAll(db, sql: "SELECT id FROM server_tokens WHERE \(condition) AND revoked_ms IS NULL",
                                              arguments: [argument])
                var revoked: [TokenRecord] = []
                for id in ids {
                    try db.execute(sql: "UPDATE server_tokens SET revoked_ms = ? WHERE id = ?", arguments: [milliseconds, id])
                    if let row = try Row.fetchOne(db, sql: "SELECT * FROM server_tokens WHERE id = ?", arguments: [id]) {
                        revoked.append(try Self.tokenRecord(row))
                    }
                }
                return revoked
            }
        }
    }

    static func tokenRecord(_ row: Row) throws -> TokenRecord {
        guard let role = Principal.Role(rawValue: row["role"]) else {
            throw SyncError(.storage, "token \(row["id"] as String) has an unknown role")
        }
        let kind = (row["monitor_kind"] as String?).flatMap(Principal.MonitorKind.init(rawValue:))
        return TokenRecord(id: row["id"], hash: row["hash"],
                           principal: Principal(memberID: row["member_id"], role: role, branch: row["branch"], monitorKind: kind),
                           label: row["label"], createdAt: row["created_ms"], revokedAt: row["revoked_ms"])
    }
}
