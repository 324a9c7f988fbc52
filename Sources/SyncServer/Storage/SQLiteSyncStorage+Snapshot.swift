import Foundation
import GRDB
import SyncCore

/// Snapshots (`GET /v1/snapshot`): a new replica takes every entity it may see whole (log,
/// merge state, materialised rows) instead of replaying the log, then pulls from the position
/// the snapshot started at. Pages are read from the current state, entity by entity; what
/// changed after the start position comes again with the pull, and is already there (the
/// log's operations are taken once).
extension SQLiteSyncStorage {
    public func snapshot(as principal: Principal, after cursor: SnapshotCursor?, limit: Int,
                         entities requested: [EntityKey]? = nil) async throws -> SnapshotPage {
        try await Self.wrapAsync {
            try await writer.read { db in try self.snapshot(as: principal, after: cursor, limit: limit, entities: requested, db) }
        }
    }

    func snapshot(as principal: Principal, after cursor: SnapshotCursor?, limit: Int, entities requested: [EntityKey]?,
                  _ db: Database) throws -> SnapshotPage {
        let head = try maxSeq(db)
        let compacted = try store.compactionStatus(db).compactedOperations
        let start = cursor ?? SnapshotCursor(position: head, generation: compacted > 0 ? compacted : nil)
        guard start.position <= head else {
            throw SyncError(.conflict, "this snapshot started at log position \(start.position), beyond the end of this server's log (\(head)): the server's data was replaced; start again")
        }
        // Pages are read from the current state: after a compaction, later pages would carry the
        // effect of operations the first page's ranges do not name.
        guard (start.generation ?? 0) == compacted else {
            throw SyncError(.conflict, "the server compacted its log since this snapshot began; start it again")
        }
        if let requested {
            // Named entities (repair): those the principal may see, whole, in one page.
            let visible = try requested.filter { try isVisible($0, to: principal, db) }
            return SnapshotPage(entities: try store.snapshots(of: visible.sorted(), db), cursor: start, more: false,
                                compactedRanges: try store.compactedRanges(db))
        }
        var page = try snapshotPage(as: principal, from: start, limit: limit, db)
        if cursor == nil { page.compactedRanges = try store.compactedRanges(db) }
        return page
    }

    private func snapshotPage(as principal: Principal, from start: SnapshotCursor, limit: Int, _ db: Database) throws -> SnapshotPage {
        var entities: [EntitySnapshot] = []
        var operations = 0
        var after = start.after
        while operations < limit {
            let keys = try visibleEntities(of: principal, after: after, count: 256, db)
            if keys.isEmpty {
                return SnapshotPage(entities: entities, cursor: SnapshotCursor(position: start.position, after: after, generation: start.generation),
                                    more: false)
            }
            for key in keys {
                let taken = try store.snapshots(of: [key], db)
                entities += taken
                operations += taken.reduce(0) { $0 + $1.operations.count }
                after = key
                if operations >= limit { break }
            }
        }
        let more = try !visibleEntities(of: principal, after: after, count: 1, db).isEmpty
        return SnapshotPage(entities: entities, cursor: SnapshotCursor(position: start.position, after: after, generation: start.generation),
                            more: more)
    }

    /// The next `count` entities `principal` may see after `after`, in entity order.
    func visibleEntities(of principal: Principal, after: EntityKey?, count: Int, _ db: Database) throws -> [EntityKey] {
        let afterKind = after?.entity.rawValue ?? "", afterID = after?.id ?? ""
        guard let scopes = principal.scopes else {
            // Headquarters sees every entity: each kind's table, kinds in order.
            var keys: [EntityKey] = []
            for (table, kind) in store.schema.entityTables.sorted(by: { $0.kind.rawValue < $1.kind.rawValue })
            where kind.rawValue >= afterKind {
                let ids = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM \(table) WHERE id > ? ORDER BY id LIMIT ?"),
                                              arguments: [kind.rawValue == afterKind ? afterID : "", count - keys.count])
                keys += ids.map { EntityKey(kind, $0) }
                if keys.count >= count { break }
            }
            return keys
        }
        let filter = Self.scopeFilter(scopes)
        var arguments = filter.arguments
        arguments += [afterKind, afterID, count]
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT entity, entity_id FROM server_grants WHERE \(filter.sql) AND (entity, entity_id) > (?, ?)
            ORDER BY entity, entity_id LIMIT ?
            """), arguments: arguments).compactMap { row in EntityKind(rawValue: row[0]).map { EntityKey($0, row[1]) } }
    }

    /// Whether `principal` may see `key` (HQ sees every entity there is).
    func isVisible(_ key: EntityKey, to principal: Principal, _ db: Database) throws -> Bool {
        guard let scopes = principal.scopes else { return true }
        let filter = Self.scopeFilter(scopes)
        var arguments = filter.arguments
        arguments += [key.entity.rawValue, key.id]
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM server_grants WHERE \(filter.sql) AND entity = ? AND entity_id = ? LIMIT 1
            """), arguments: arguments) != nil
    }

    public func entityHashes(as principal: Principal, buckets: Set<Int>) async throws -> [EntityKey: String] {
        try await Self.wrapAsync {
            try await writer.read { db in
                var hashes: [EntityKey: String] = [:]
                var after: EntityKey?
                while true {
                    let keys = try self.visibleEntities(of: principal, after: after, count: 2_000, db)
                    guard let last = keys.last else { return hashes }
                    for key in keys where buckets.contains(StateDigest.bucket(key.entity, key.id)) {
                        hashes[key] = try self.store.entityHash(key, db).bytes.hexText
                    }
                    after = last
                }
            }
        }
    }
}
