import SyncCore
import GRDB

/// Pull and digest: the log and the state, filtered to what a principal may see.
extension SQLiteSyncStorage {
    public func pull(as principal: Principal, after cursor: Int64, limit: Int) async throws -> PullPage {
        try await Self.wrapAsync {
            try await writer.read { db in try self.pull(as: principal, after: cursor, limit: limit, db) }
        }
    }

    /// Each operation reaches a principal exactly once, at a position fixed by the log: an
    /// operation on entity X at log position p is delivered in the page covering p when X was
    /// granted to the principal before p (grant position g < p); otherwise it is delivered with
    /// X's whole history up to g in the page covering g (the grant "replays" it). So a replica
    /// whose cursor was already past X's older operations when X became visible still gets
    /// them, a replica that pulls later gets them once, and pulling the same cursor twice
    /// gives the same page.
    ///
    /// A page holds the next `limit` regularly delivered operations after `cursor`; its end is
    /// the last of them, or the end of the log when fewer remain (invisible operations are
    /// skipped for good). Replayed operations come on top of `limit`.
    func pull(as principal: Principal, after cursor: Int64, limit: Int, _ db: Database) throws -> PullPage {
        let end = try maxSeq(db)
        guard cursor <= end else {
            throw SyncError(.conflict, "cursor \(cursor) is beyond the end of the server's log (\(end)); this replica synced with another server or the server's data was reset")
        }
        guard let scopes = principal.scopes else {
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE seq > ? ORDER BY seq LIMIT ?"),
                                        arguments: [cursor, limit + 1])
            let page = try rows.prefix(limit).map(ReplicaStore.loggedOperation(fromRow:))
            let more = rows.count > limit
            return PullPage(operations: page.map(\.operation), cursor: more ? page.last?.seq ?? cursor : end, more: more)
        }
        let filter = Self.scopeFilter(scopes, column: "g.scope")
        let rows = try Row.fetchAll(db, sql: """
            SELECT o.* FROM oplog o WHERE o.seq > ? AND (
                SELECT min(g.seq) FROM server_grants g WHERE \(filter.sql) AND g.entity = o.entity AND g.entity_id = o.entity_id
            ) < o.seq
            ORDER BY o.seq LIMIT ?
            """, arguments: [cursor] + filter.arguments + [limit + 1])
        let more = rows.count > limit
        let regular = try rows.prefix(limit).map(ReplicaStore.loggedOperation(fromRow:))
        let next = more ? regular.last?.seq ?? cursor : end
        let grants = Self.scopeFilter(scopes)
        let replayed = try Row.fetchAll(db, sql: """
            SELECT o.* FROM oplog o JOIN (
                SELECT entity, entity_id, min(seq) AS granted FROM server_grants WHERE \(grants.sql)
                GROUP BY entity, entity_id HAVING min(seq) > ? AND min(seq) <= ?
            ) g ON o.entity = g.entity AND o.entity_id = g.entity_id
            WHERE o.seq <= g.granted
            """, arguments: grants.arguments + [cursor, next]).map(ReplicaStore.loggedOperation(fromRow:))
        let operations = (replayed + regular).sorted { $0.seq < $1.seq }.map(\.operation)
        return PullPage(operations: operations, cursor: next, more: more)
    }

    public func digest(as principal: Principal, listEntities: Bool) async throws -> DigestReport {
        try await Self.wrapAsync {
            try await writer.read { db in
                let digest = try self.digest(of: principal, db)
                var visible: [EntityKey]? = nil
                if listEntities {
                    if let scopes = principal.scopes {
                        visible = try self.visibleEntities(scopes, db).sorted()
                    } else {
                        var keys: [EntityKey] = []
                        for (table, kind) in self.store.schema.entityTables {
                            keys += try String.fetchAll(db, sql: "SELECT id FROM \(table) ORDER BY id").map { EntityKey(kind, $0) }
                        }
                        visible = keys.sorted()
                    }
                }
                return DigestReport(digest: digest.root, entities: digest.entities, buckets: digest.bucketTexts, visible: visible)
            }
        }
    }

    /// Every entity granted to one of `scopes`.
    func visibleEntities(_ scopes: [AudienceScope], _ db: Database) throws -> Set<EntityKey> {
        let filter = Self.scopeFilter(scopes)
        var keys: Set<EntityKey> = []
        for row in try Row.fetchAll(db, sql: "SELECT DISTINCT entity, entity_id FROM server_grants WHERE \(filter.sql)",
                                    arguments: filter.arguments) {
            if let kind = EntityKind(rawValue: row["entity"]) { keys.insert(EntityKey(kind, row["entity_id"])) }
        }
        return keys
    }

}
