import GRDB

/// The merge: how one operation changes `field_state`. Every branch below is a join on a
/// semilattice (set union with supersession, max, min-timestamp), so the resulting state only
/// depends on the set of operations applied, not on their order or on repeats.
extension ReplicaStore {
    struct Scope: Hashable {
        var entity: EntityKind
        var entityID: String
        var field: String
        var key: String
    }

    struct EntityRef: Hashable, Comparable {
        var entity: EntityKind
        var entityID: String
        static func < (lhs: EntityRef, rhs: EntityRef) -> Bool {
            (lhs.entity.rawValue, lhs.entityID) < (rhs.entity.rawValue, rhs.entityID)
        }
    }

    /// What a batch touched, so the materialiser refreshes only that.
    struct Touched {
        /// Fields (other than plain registers) whose derived rows must be rebuilt, per entity.
        var fields: [EntityRef: Set<String>] = [:]
        /// Register scopes to refresh, with the winner's value when it is already known (a local
        /// write that saw every head) so it need not be read back.
        var registers: [Scope: Known] = [:]
        var appended: [SyncOperation] = []

        struct Known { var winnerKnown: Bool; var valueJSON: String; var mayHaveHadConflict: Bool }

        mutating func mark(_ op: SyncOperation, valueJSON: String, knownSoleHead: Bool, headsBefore: Int) {
            let ref = EntityRef(entity: op.entity, entityID: op.entityID)
            if op.kind == .set {
                let scope = Scope(entity: op.entity, entityID: op.entityID, field: op.field, key: op.key)
                if knownSoleHead, registers[scope]?.winnerKnown ?? true {
                    registers[scope] = Known(winnerKnown: true, valueJSON: valueJSON,
                                             mayHaveHadConflict: headsBefore > 1 || registers[scope]?.mayHaveHadConflict == true)
                } else {
                    registers[scope] = Known(winnerKnown: false, valueJSON: "", mayHaveHadConflict: true)
                }
                if op.key.isEmpty { return }
            }
            fields[ref, default: []].insert(op.field)
            if op.kind == .append { appended.append(op) }
        }
    }

    /// Batch-level knowledge that lets the merge skip lookups that cannot find anything.
    struct BatchState {
        /// False while the `superseded` table is known to be empty.
        var supersededMayExist: Bool
        /// False while the `conflicts` table is known to be empty (no row to clear).
        var conflictsMayExist: Bool
        init(supersededMayExist: Bool, conflictsMayExist: Bool) {
            self.supersededMayExist = supersededMayExist
            self.conflictsMayExist = conflictsMayExist
        }
        init(_ db: Database) throws {
            supersededMayExist = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM superseded)")) ?? true
            conflictsMayExist = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM conflicts)")) ?? true
        }
    }

    /// Stores the operation in the log; false when it was already there (a re-delivery).
    func insertIntoLog(_ op: SyncOperation, idText: String, hlcText: String, valueJSON: String, local: Bool, held: Bool,
                       _ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO oplog(op_id, hlc, author, entity, entity_id, field, key, kind, value, context, origin_local, sync_state, held)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(op_id) DO NOTHING
            """)
        var contextJSON = "["
        for (index, entry) in op.context.enumerated() {
            if index > 0 { contextJSON += "," }
            contextJSON += "\"" + entry.description + "\""
        }
        contextJSON += "]"
        try statement.execute(arguments: [idText, hlcText, op.author, op.entity.rawValue, op.entityID,
                                          op.field, op.key, op.kind.rawValue, valueJSON, contextJSON, local ? 1 : 0, held ? 1 : 0])
        return db.changesCount > 0
    }

    /// Applies one new operation to the merge metadata.
    func merge(_ op: SyncOperation, idText: String, hlcText: String, valueJSON: String, local: Bool,
               _ batch: inout BatchState, _ db: Database) throws {
        let scope = Scope(entity: op.entity, entityID: op.entityID, field: op.field, key: op.key)
        switch op.kind {
        case .set, .add, .append:
            for overwritten in op.context { try supersede(overwritten, in: scope, by: hlcText, &batch, db) }
            if op.kind != .append { try supersedeOwnEarlier(op, hlcText: hlcText, in: scope, db) }
            // A fresh local operation is dated after everything the replica has seen, so no
            // operation it holds can overwrite it (supersession needs a later timestamp).
            let superseded = (op.kind == .append || local) ? false
                : try (batch.supersededMayExist && isSuperseded(idText, hlc: hlcText, in: scope, db))
                    || hasLaterOwnWrite(op, hlcText: hlcText, in: scope, db)
            if !superseded {
                let insert = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                try insert.execute(arguments: [op.entity.rawValue, op.entityID, op.field, op.key, idText,
                                               hlcText, op.author, valueJSON])
            }
        case .remove:
            for removed in op.context { try supersede(removed, in: scope, by: hlcText, &batch, db) }
        case .max:
            // One row per field: the largest value, and the earliest operation that reached it
            // (a reused timestamp, refused by the server but possible in a file, falls back on
            // the author, so that the row never depends on the order of arrival).
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value)
                VALUES (?, ?, ?, ?, '', ?, ?, ?)
                ON CONFLICT(entity, entity_id, field, key, op_id) DO UPDATE
                SET hlc = excluded.hlc, author = excluded.author, value = excluded.value
                WHERE CAST(excluded.value AS INTEGER) > CAST(field_state.value AS INTEGER)
                   OR (CAST(excluded.value AS INTEGER) = CAST(field_state.value AS INTEGER)
                       AND (excluded.hlc < field_state.hlc OR (excluded.hlc = field_state.hlc AND excluded.author < field_state.author)))
                """)
            try upsert.execute(arguments: [op.entity.rawValue, op.entityID, op.field, op.key, hlcText, op.author, valueJSON])
        case .reach:
            // A milestone keeps the earliest operation that reached it, in the merge order
            // (value holds the id as a JSON string; quoted ASCII ids sort like the ids).
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value)
                VALUES (?, ?, ?, ?, '', ?, ?, ?)
                ON CONFLICT(entity, entity_id, field, key, op_id) DO UPDATE
                SET hlc = excluded.hlc, author = excluded.author, value = excluded.value
                WHERE excluded.hlc < field_state.hlc OR (excluded.hlc = field_state.hlc AND excluded.value < field_state.value)
                """)
            try upsert.execute(arguments: [op.entity.rawValue, op.entityID, op.field, op.key,
                                           hlcText, op.author, "\"" + idText + "\""])
        }
    }

    /// Marks `overwritten` as seen-and-replaced within `scope` by an operation dated `byHLC`:
    /// drops it if present and dated earlier, or remembers it so that it is born superseded
    /// when it arrives later, if it turns out to be dated earlier.
    ///
    /// An operation can only overwrite what happened before it: a context naming an operation
    /// with a later timestamp (one that cannot have been seen, such as another replica's next
    /// counters) overwrites nothing. This keeps the state a function of the set of operations
    /// and makes a local write reach the same state as a rebuild of the log.
    private func supersede(_ overwritten: OperationID, in scope: Scope, by byHLC: String,
                           _ batch: inout BatchState, _ db: Database) throws {
        let delete = try db.cachedStatement(sql: """
            DELETE FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND op_id = ? AND hlc < ?
            """)
        let idText = overwritten.description
        try delete.execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key, idText, byHLC])
        if db.changesCount > 0 { return }
        // Already merged (a head dated later, another scope, or already overwritten): nothing to remember.
        let known = try db.cachedStatement(sql: "SELECT 1 FROM oplog WHERE op_id = ?")
        if try Bool.fetchOne(known, arguments: [idText]) != nil { return }
        let remember = try db.cachedStatement(sql: """
            INSERT INTO superseded(op_id, entity, entity_id, field, key, by_hlc) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(op_id, entity, entity_id, field, key) DO UPDATE SET by_hlc = max(by_hlc, excluded.by_hlc)
            """)
        try remember.execute(arguments: [idText, scope.entity.rawValue, scope.entityID, scope.field, scope.key, byHLC])
        batch.supersededMayExist = true
    }

    /// A replica's writes to one field are ordered by its own clock: each overwrites the
    /// replica's earlier ones, named in its context or not (the replica saw what it wrote). So a
    /// field holds at most one head per replica, and no one can pile up concurrent heads from
    /// one replica until no context can resolve them.
    private func supersedeOwnEarlier(_ op: SyncOperation, hlcText: String, in scope: Scope, _ db: Database) throws {
        let prefix = op.id.replica.rawValue + ":"
        try db.cachedStatement(sql: """
            DELETE FROM field_state
            WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND substr(op_id, 1, ?) = ? AND hlc < ?
            """).execute(arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key, prefix.count, prefix, hlcText])
    }

    /// Whether the replica that wrote an arriving operation already wrote the field later.
    private func hasLaterOwnWrite(_ op: SyncOperation, hlcText: String, in scope: Scope, _ db: Database) throws -> Bool {
        let prefix = op.id.replica.rawValue + ":"
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM oplog
            WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND kind = ? AND substr(op_id, 1, ?) = ? AND hlc > ?
              AND held = 0
            LIMIT 1
            """), arguments: [scope.entity.rawValue, scope.entityID, scope.field, scope.key, op.kind.rawValue,
                              prefix.count, prefix, hlcText]) != nil
    }

    /// Whether an arriving operation was named, before it arrived, by a later operation.
    private func isSuperseded(_ idText: String, hlc: String, in scope: Scope, _ db: Database) throws -> Bool {
        let lookup = try db.cachedStatement(sql: """
            SELECT 1 FROM superseded WHERE op_id = ? AND entity = ? AND entity_id = ? AND field = ? AND key = ? AND by_hlc > ?
            """)
        return try Bool.fetchOne(lookup, arguments: [idText, scope.entity.rawValue, scope.entityID, scope.field, scope.key, hlc]) != nil
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
