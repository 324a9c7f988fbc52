import SyncCore
import GRDB

/// Pull and digest: the log and the state, filtered to what a principal may see.
extension SQLiteSyncStorage {
    public func pull(as principal: Principal, after cursor: PullCursor, limit: Int, bounded: Bool = true) async throws -> PullPage {
        try await Self.wrapAsync {
            try await writer.read { db in try self.pull(as: principal, after: cursor, limit: limit, bounded: bounded, db) }
        }
    }

    /// At most this many log positions are examined for one page: a principal who sees little
    /// of a large log gets pages that cost the same as anyone's, some of them short or empty
    /// (`more` says to go on).
    static func scanLimit(forPageLimit limit: Int) -> Int64 { Int64(max(limit * 20, 20_000)) }

    /// Each operation reaches a principal exactly once, at a place fixed by the log (see
    /// `PullCursor`): an operation on entity X at log position p comes at p when X was granted
    /// to the principal before p (grant position g < p); otherwise it comes with X's whole
    /// history up to g, X's *replay* at g. So a replica whose cursor was already past X's older
    /// operations when X became visible still gets them, one that pulls later gets them once,
    /// and pulling the same cursor twice gives the same page.
    ///
    /// A page holds at most `limit` operations, replays included, and examines at most
    /// `scanLimit` log positions. With `bounded` false (clients of protocol 1, whose cursors are
    /// plain numbers), a replay a page has begun is finished on top of `limit`, as those
    /// clients expect.
    func pull(as principal: Principal, after cursor: PullCursor, limit: Int, bounded: Bool = true, _ db: Database) throws -> PullPage {
        let end = try maxSeq(db)
        guard cursor.position <= end else {
            throw SyncError(.conflict, "cursor \(cursor) is beyond the end of the server's log (\(end)); this replica synced with another server or the server's data was reset")
        }
        let horizon = try store.compactionHorizon(db)
        if cursor.position < horizon {
            throw SyncError(.compacted, "cursor \(cursor) is older than the server's compaction horizon (\(horizon)): the operations after it were compacted; take a snapshot (`field sync` does it, keeping this replica's own operations)")
        }
        guard let scopes = principal.scopes else {
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM oplog WHERE seq > ? ORDER BY seq LIMIT ?"),
                                        arguments: [cursor.position, limit + 1])
            let page = try rows.prefix(limit).map(ReplicaStore.loggedOperation(fromRow:))
            let more = rows.count > limit
            let next = more ? page.last?.seq ?? cursor.position : end
            return PullPage(operations: page.map(\.operation), cursor: PullCursor(position: next), more: more, remaining: end - next)
        }
        var page = PageBuilder(limit: limit, bounded: bounded, scopes: scopes, end: end)
        try page.fill(from: cursor, db)
        var result = page.result
        result.remaining = max(0, end - result.cursor.position)
        return result
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
