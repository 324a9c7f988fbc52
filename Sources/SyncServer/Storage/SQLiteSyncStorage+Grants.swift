import CivilAffairs
import SyncCore
import GRDB

/// Visibility grants: which audience scope may see which entity, and since which log position.
///
/// Grants are computed by `AccessPolicy.audience` after every applied batch, for the entities
/// the batch touched and those whose audience depends on them, and are never withdrawn: an
/// entity a replica has received stays in its scope, so its digest keeps matching the server's.
/// The `seq` of a grant lets a pull replay an entity's older operations to a replica whose
/// cursor is already past them when the entity becomes visible to it.
extension SQLiteSyncStorage {
    /// The entities of an applied batch whose audience facts changed: those it created and
    /// those it wrote an audience field of (`AccessPolicy.audienceFields`).
    func audienceChanges(_ operations: [SyncOperation], applied: ApplyResult) -> Set<EntityKey> {
        let stored = Set(applied.applied)
        var changed = Set<EntityKey>()
        for op in operations where stored.contains(op.id) {
            let key = EntityKey(op.entity, op.entityID)
            if applied.changes.created.contains(key) || policy.changesAudience(op) { changed.insert(key) }
        }
        return changed
    }

    /// Grants what the entities whose audience facts changed (and those depending on them) are
    /// now shown to, and returns, for each of them, the scopes before and after.
    func refreshGrants(for changed: Set<EntityKey>, seq: Int64, _ db: Database) throws -> [EntityKey: GrantChange] {
        guard !changed.isEmpty else { return [:] }
        let facts = CachedAccessFacts(ReplicaAccessFacts(db: db, visibility: .grants))
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO server_grants(scope, entity, entity_id, seq) VALUES (?, ?, ?, ?)
            """)
        var changes: [EntityKey: GrantChange] = [:]
        for (key, audience) in try policy.grantCandidates(changed: changed, facts: facts).sorted(by: { $0.key < $1.key }) {
            let before = try grantedScopes(key, db)
            let added = audience.subtracting(before)
            changes[key] = GrantChange(before: before, after: before.union(added))
            for scope in added.map(\.description).sorted() {
                try insert.executeDirect { bind in
                    bind.text(scope); bind.text(key.entity.rawValue); bind.text(key.id); bind.int(seq)
                }
            }
        }
        return changes
    }

    /// The scopes an entity is granted to.
    func grantedScopes(_ key: EntityKey, _ db: Database) throws -> Set<AudienceScope> {
        var scopes = Set<AudienceScope>()
        try db.cachedStatement(sql: "SELECT scope FROM server_grants WHERE entity = ? AND entity_id = ?")
            .queryDirect({ bind in bind.text(key.entity.rawValue); bind.text(key.id) }) { row in
                if let scope = AudienceScope(row.text(0)) { scopes.insert(scope) }
            }
        return scopes
    }

    /// Recomputes grants for every entity (after the rules changed). Existing grants stay; new
    /// ones are dated just after the end of the log, so every replica, even one that is fully
    /// caught up, receives those entities' history with its first pull after the next write.
    func rebuildGrants(_ db: Database) throws {
        var all: Set<EntityKey> = []
        for (table, kind) in store.schema.entityTables {
            for id in try String.fetchAll(db, sql: "SELECT id FROM \(table)") { all.insert(EntityKey(kind, id)) }
        }
        guard !all.isEmpty else { return }
        _ = try refreshGrants(for: all, seq: try maxSeq(db) + 1, db)
    }

    func maxSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM oplog")) ?? 0
    }

    /// `scope IN (?, ?, …)` for a principal's scopes, with its arguments.
    static func scopeFilter(_ scopes: [AudienceScope], column: String = "scope") -> (sql: String, arguments: StatementArguments) {
        let marks = Array(repeating: "?", count: scopes.count).joined(separator: ", ")
        return ("\(column) IN (\(marks))", StatementArguments(scopes.map(\.description)))
    }
}

/// The scopes an entity was granted to before and after a batch.
struct GrantChange {
    var before: Set<AudienceScope>
    var after: Set<AudienceScope>
    var grew: Bool { after.count > before.count }
}
