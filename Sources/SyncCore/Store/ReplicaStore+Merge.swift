import GRDB

/// A field of an entity, or one key of it: the unit the merge rules work on.
struct Scope: Hashable {
    var entity: EntityKind
    var entityID: String
    var field: String
    var key: String
}

/// An entity by kind and id, inside the engine.
struct EntityRef: Hashable, Comparable {
    var entity: EntityKind
    var entityID: String
    static func < (lhs: EntityRef, rhs: EntityRef) -> Bool {
        (lhs.entity.rawValue, lhs.entityID) < (rhs.entity.rawValue, rhs.entityID)
    }
}

/// The log side of the merge: storing operations once, and reading a scope's heads. The fold
/// itself is `BatchMerge`.
extension ReplicaStore {
    /// Stores the operation in the log; false when it was already there (a re-delivery).
    func insertIntoLog(_ prepared: PreparedOperation, local: Bool, held: Bool, _ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO oplog(op_id, hlc, author, entity, entity_id, field, key, kind, value, context, origin_local, sync_state, held)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(op_id) DO NOTHING
            """)
        let op = prepared.op
        try statement.executeDirect { bind in
            bind.text(prepared.idText); bind.text(prepared.hlcText); bind.text(op.author); bind.text(op.entity.rawValue)
            bind.text(op.entityID); bind.text(op.field); bind.text(op.key); bind.text(op.kind.rawValue); bind.text(prepared.valueJSON)
            bind.text(prepared.contextJSON); bind.int(local ? 1 : 0); bind.int(held ? 1 : 0)
        }
        return db.changesCount > 0
    }

    /// The operation ids currently live in a scope: register heads or an element's additions
    /// (empty for a set element that is absent).
    public func heads(_ entity: EntityKind, _ entityID: String, _ field: String, _ key: String, _ db: Database) throws -> [OperationID] {
        let select = try db.cachedStatement(sql: """
            SELECT op_id FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? AND key = ?
            """)
        return try String.fetchAll(select, arguments: [entity.rawValue, entityID, field, key]).compactMap(OperationID.init)
    }
}
