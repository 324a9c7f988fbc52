import CivilAffairs
import GRDB
import SyncCore

/// Builds one page of a scoped pull: the stream of replays and operations after a cursor (see
/// `PullCursor`), until the page holds `limit` operations or `scanLimit` log positions were
/// examined. Every query walks an index from the cursor, so a pull at the head of the log
/// costs the same however long the log is.
struct PageBuilder {
    let limit: Int
    let bounded: Bool
    let end: Int64
    let scanLimit: Int64
    /// `scope IN (…)` for the principal's scopes.
    let filter: (sql: String, arguments: StatementArguments)

    private(set) var operations: [SyncOperation] = []
    private(set) var cursor = PullCursor.start
    private(set) var more = false

    init(limit: Int, bounded: Bool, scopes: [AudienceScope], end: Int64) {
        self.limit = limit
        self.bounded = bounded
        self.end = end
        scanLimit = SQLiteSyncStorage.scanLimit(forPageLimit: limit)
        filter = SQLiteSyncStorage.scopeFilter(scopes)
    }

    var result: PullPage { PullPage(operations: operations, cursor: cursor, more: more) }
    private var full: Bool { operations.count >= limit }
    private var remaining: Int { max(0, limit - operations.count) }

    /// One entity becoming visible at log position `granted`.
    struct Replay {
        var entity: EntityKey
        var granted: Int64
    }

    mutating func fill(from start: PullCursor, _ db: Database) throws {
        var start = start
        if let resume = start.replay {
            // A cursor inside a replay must name an entity that became visible to this principal
            // exactly there. Any other (made up, or from before the token's scope changed) counts
            // as its plain position: it shows nothing the principal may not see, and the page
            // names the scope, so a replica whose scope changed starts again.
            let granted = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(seq) FROM server_grants WHERE \(filter.sql) AND entity = ? AND entity_id = ?
                """), arguments: filter.arguments + [resume.entity.entity.rawValue, resume.entity.id])
            if granted != start.position { start = PullCursor(position: start.position) }
        }
        cursor = start
        var position = start.position
        if let resume = start.replay {
            // The rest of the replays at `position` (the entity in progress first), then the
            // operation at `position` itself.
            try replayOperations(resume.entity, granted: position, after: resume.lastSeq, db)
            if full && bounded { return finish() }
            if try !replaysAt(position, after: resume.entity, db) { return finish() }
            try regularOperation(at: position, db)
            cursor = PullCursor(position: position)
            if full { return finish() }
        }
        var scanned: Int64 = 0
        while !full && position < end && scanned < scanLimit {
            let windowStart = position
            let scanEnd = min(end, position + (scanLimit - scanned))
            let regular = try visibleOperations(after: position, through: scanEnd, limit: remaining, db)
            // Past the last operation fetched nothing is known yet, unless the window ran out.
            let windowEnd = regular.count == remaining ? regular.last!.seq : scanEnd
            let cap = bounded ? remaining + 1 : 1_000_000
            let replays = try self.replays(after: position, through: windowEnd, limit: cap, db)
            var nextRegular = 0, nextReplay = 0
            while nextRegular < regular.count || nextReplay < replays.count {
                if nextReplay < replays.count, nextRegular == regular.count || replays[nextReplay].granted <= regular[nextRegular].seq {
                    let replay = replays[nextReplay]
                    nextReplay += 1
                    try replayOperations(replay.entity, granted: replay.granted, after: 0, db)
                    if full {
                        if !bounded, try !replaysAt(replay.granted, after: replay.entity, db) { return finish() }
                        if !bounded {
                            try regularOperation(at: replay.granted, db)
                            cursor = PullCursor(position: replay.granted)
                        }
                        return finish()
                    }
                } else {
                    let logged = regular[nextRegular]
                    nextRegular += 1
                    operations.append(logged.operation)
                    cursor = PullCursor(position: logged.seq)
                    if full { return finish() }
                }
            }
            if replays.count == cap, let last = replays.last {
                // Entities without operations filled the list: stop after the last one.
                cursor = PullCursor(position: last.granted, replay: .init(entity: last.entity, lastSeq: last.granted))
                more = true
                return
            }
            position = windowEnd
            cursor = PullCursor(position: position)
            scanned += windowEnd - windowStart
        }
        finish()
    }

    private mutating func finish() {
        more = cursor.replay != nil || cursor.position < end
    }

    /// Operations in `(after, through]` whose entity the principal already saw before them.
    private func visibleOperations(after: Int64, through: Int64, limit: Int, _ db: Database) throws -> [ReplicaStore.LoggedOperation] {
        guard limit > 0, through > after else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT o.* FROM oplog o WHERE o.seq > ? AND o.seq <= ? AND (
                SELECT min(g.seq) FROM server_grants g WHERE g.\(filter.sql) AND g.entity = o.entity AND g.entity_id = o.entity_id
            ) < o.seq
            ORDER BY o.seq LIMIT ?
            """), arguments: [after, through] + filter.arguments + [limit]).map(ReplicaStore.loggedOperation(fromRow:))
    }

    /// Entities that become visible to the principal in `(after, through]` (their first grant
    /// to any of its scopes), in stream order, at most `limit`; with `following`, only those
    /// after it at the same position.
    private func replays(after: Int64, through: Int64, following: EntityKey? = nil, limit: Int, _ db: Database) throws -> [Replay] {
        guard through > after else { return [] }
        var arguments = filter.arguments + filter.arguments + [after, through, after, through]
        var tail = ""
        if let following {
            tail = "AND (entity, entity_id) > (?, ?)"
            arguments += [following.entity.rawValue, following.id]
        }
        arguments += [limit]
        return try Row.fetchAll(db.cachedStatement(sql: """
            SELECT entity, entity_id, min(seq) AS first FROM server_grants
            WHERE \(filter.sql) AND (entity, entity_id) IN (
                SELECT entity, entity_id FROM server_grants WHERE \(filter.sql) AND seq > ? AND seq <= ?)
            GROUP BY entity, entity_id
            HAVING first > ? AND first <= ? \(tail)
            ORDER BY first, entity, entity_id LIMIT ?
            """), arguments: arguments).compactMap { row in
            EntityKind(rawValue: row[0]).map { Replay(entity: EntityKey($0, row[1]), granted: row[2]) }
        }
    }

    /// Appends an entity's operations up to its grant, after `after`; stops when the page is
    /// full (bounded), leaving the cursor inside the replay.
    private mutating func replayOperations(_ entity: EntityKey, granted: Int64, after: Int64, _ db: Database) throws {
        let take = bounded ? remaining : Int.max
        guard take > 0 else { return }
        // An entity whose older operations were compacted cannot be replayed: the replica takes
        // a snapshot instead.
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM compacted_entities WHERE entity = ? AND entity_id = ?)"),
                             arguments: [entity.entity.rawValue, entity.id]) == true {
            throw SyncError(.compacted, "\(entity.entity.rawValue) \(entity.id) became visible to this replica, and its older operations were compacted: take a snapshot (`field sync` does it, keeping this replica's own operations)")
        }
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM oplog WHERE entity = ? AND entity_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?
            """), arguments: [entity.entity.rawValue, entity.id, after, granted, take == Int.max ? -1 : take + 1])
        let logged = try rows.prefix(take).map(ReplicaStore.loggedOperation(fromRow:))
        operations += logged.map(\.operation)
        let lastSeq = logged.last?.seq ?? max(after, 1)
        cursor = PullCursor(position: granted, replay: .init(entity: entity, lastSeq: min(lastSeq, granted)))
        if rows.count > take {
            more = true
        }
    }

    /// Finishes the replays at `position` after `entity`; false when the page filled first
    /// (the cursor then stands inside them).
    private mutating func replaysAt(_ position: Int64, after entity: EntityKey, _ db: Database) throws -> Bool {
        while true {
            let batch = try replays(after: position - 1, through: position, following: cursor.replay?.entity ?? entity,
                                    limit: bounded ? remaining + 1 : 1_000, db)
            if batch.isEmpty { return true }
            for replay in batch {
                try replayOperations(replay.entity, granted: position, after: 0, db)
                if full && bounded { return false }
            }
        }
    }

    /// The operation at `position`, if the principal saw its entity before it.
    private mutating func regularOperation(at position: Int64, _ db: Database) throws {
        if let logged = try visibleOperations(after: position - 1, through: position, limit: 1, db).first {
            operations.append(logged.operation)
        }
    }
}
