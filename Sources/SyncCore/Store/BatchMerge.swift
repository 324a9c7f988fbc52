import GRDB

/// The merge of one batch of operations, folded in memory.
///
/// Every rule is a join on a semilattice (set union with supersession, max, min-timestamp), so
/// the state depends only on the set of operations merged. That lets a batch be folded per
/// scope (entity, field, key) in memory: each touched scope's rows of `field_state` are read
/// once, the batch's operations are folded into them in timestamp order, and the rows that
/// changed are written back once; each touched entity is then materialised once, and the state
/// digest moves by the hashes of the rows that came and went. Local writes, pulls, imports,
/// the server's pushes and rebuilds all go through here.
///
/// Operations must be logged before they are merged, and merged in ascending (timestamp, id)
/// order within a scope: an operation named in a context and dated earlier is then already a
/// row when the naming operation arrives.
struct BatchMerge {
    let store: ReplicaStore
    /// False while the `superseded` table is known to be empty (no lookup can find anything).
    var supersededMayExist: Bool
    /// Whether a compaction dropped operations here: then "already merged" and "written later
    /// by the same replica" are also asked of what it kept of them (`compacted_ranges`,
    /// `compacted_writes`), not only of the log.
    let compacted: Bool
    /// True when every logged operation except this batch's is already merged (false while
    /// rebuilding): then a register whose newest row is older than an arriving operation has
    /// no later operation in the log either, which spares a lookup.
    let logMerged: Bool
    /// The newest timestamp of each replica's operations in this batch, per scope.
    var batchNewest: [OwnScope: String] = [:]

    var scopes: [Scope: ScopeState] = [:]
    /// The batch's prepared statements, looked up once per batch rather than once per row.
    private var statements = [Statement?](repeating: nil, count: SQL.allCases.count)
    var entities: [EntityRef: EntityChanges] = [:]
    var appended: [SyncOperation] = []
    /// Entities known to exist before the batch (they had merge rows): their row need not be
    /// created.
    var existing: Set<EntityRef> = []
    /// Entities that had no merge row before the batch: none of their scopes is read. A batch
    /// mostly brings new entities (a push of new cases, a first pull, a load), each with many
    /// scopes, so one lookup per entity spares one per scope.
    var absent: Set<EntityRef> = []
    /// How each entity's hash moved: the sum of the hashes of its rows added, less those removed.
    var deltas: [EntityRef: DigestSum] = [:]

    struct OwnScope: Hashable {
        var scope: Scope
        var replica: String
    }

    /// What a batch changed in one entity, for the materialiser.
    struct EntityChanges {
        /// Register scopes (plain and keyed) whose winner and conflict must be shown again.
        var registers: Set<Scope> = []
        /// Other fields whose derived rows must be rebuilt.
        var fields: Set<String> = []
        /// The elements each set field changed (its other elements' rows stay as they are).
        var elements: [String: Set<String>] = [:]
    }

    init(store: ReplicaStore, logMerged: Bool, _ db: Database) throws {
        self.store = store
        self.logMerged = logMerged
        supersededMayExist = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM superseded)")) ?? true
        compacted = try store.hasCompacted(db)
    }

    /// The newest timestamp of each replica's writes (set, add) per scope, among `operations`:
    /// `batchNewest` for a remote batch, so that an operation knows whether its replica wrote
    /// the same scope later within the batch.
    static func newestOwnWrites(_ operations: [PreparedOperation], including included: [Bool]) -> [OwnScope: String] {
        var newest: [OwnScope: String] = [:]
        for (index, prepared) in operations.enumerated() where included[index] && (prepared.op.kind == .set || prepared.op.kind == .add) {
            let key = OwnScope(scope: prepared.scope, replica: prepared.op.id.replica.rawValue)
            if newest[key].map({ prepared.hlcText > $0 }) ?? true { newest[key] = prepared.hlcText }
        }
        return newest
    }

    /// Every statement the fold runs.
    private enum SQL: Int, CaseIterable {
        case loadScope, entityHasRows, isLogged, remember, isSuperseded, laterOwnWrite, laterDroppedWrite, rememberDroppedWrite
        case update, replace, delete, insert

        var text: String {
            switch self {
            case .loadScope:
                "SELECT op_id, hlc, author, value FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? AND key = ?"
            case .entityHasRows:
                "SELECT 1 FROM field_state WHERE entity = ? AND entity_id = ? LIMIT 1"
            case .isLogged:
                "SELECT 1 FROM oplog WHERE op_id = ?"
            case .remember:
                """
                INSERT INTO superseded(op_id, entity, entity_id, field, key, by_hlc) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(op_id, entity, entity_id, field, key) DO UPDATE SET by_hlc = max(by_hlc, excluded.by_hlc)
                """
            case .isSuperseded:
                "SELECT 1 FROM superseded WHERE op_id = ? AND entity = ? AND entity_id = ? AND field = ? AND key = ? AND by_hlc > ?"
            case .laterOwnWrite:
                """
                SELECT 1 FROM oplog
                WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND kind = ? AND substr(op_id, 1, ?) = ? AND hlc > ?
                  AND held = 0
                LIMIT 1
                """
            case .laterDroppedWrite:
                """
                SELECT 1 FROM compacted_writes
                WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND kind = ? AND replica = ? AND hlc > ?
                """
            case .rememberDroppedWrite:
                """
                INSERT INTO compacted_writes(entity, entity_id, field, key, kind, replica, hlc) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(entity, entity_id, field, key, kind, replica) DO UPDATE SET hlc = max(hlc, excluded.hlc)
                """
            case .update:
                "UPDATE field_state SET hlc = ?, author = ?, value = ? WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND op_id = ?"
            case .replace:
                """
                UPDATE field_state SET op_id = ?, hlc = ?, author = ?, value = ?
                WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND op_id = ?
                """
            case .delete:
                "DELETE FROM field_state WHERE entity = ? AND entity_id = ? AND field = ? AND key = ? AND op_id = ?"
            case .insert:
                "INSERT OR IGNORE INTO field_state(entity, entity_id, field, key, op_id, hlc, author, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            }
        }
    }

    private mutating func statement(_ sql: SQL, _ db: Database) throws -> Statement {
        if let statement = statements[sql.rawValue] { return statement }
        let statement = try db.cachedStatement(sql: sql.text)
        statements[sql.rawValue] = statement
        return statement
    }

    // MARK: Scope state

    /// The scope's rows, read on first use.
    mutating func load(_ scope: Scope, appendOnly: Bool = false, _ db: Database) throws -> ScopeState {
        if let state = scopes[scope] { return state }
        let state = try read(scope, appendOnly: appendOnly, db)
        scopes[scope] = state
        return state
    }

    /// Takes the scope's state out of the batch (reading it on first use), so that it is
    /// changed in place, without copying its rows; `merge` puts it back.
    private mutating func take(_ scope: Scope, appendOnly: Bool = false, _ db: Database) throws -> ScopeState {
        if let state = scopes.removeValue(forKey: scope) { return state }
        return try read(scope, appendOnly: appendOnly, db)
    }

    private mutating func read(_ scope: Scope, appendOnly: Bool, _ db: Database) throws -> ScopeState {
        var rows: [String: MergeRow] = [:]
        if !appendOnly, try hadRows(EntityRef(entity: scope.entity, entityID: scope.entityID), db) {
            try statement(.loadScope, db).queryDirect({ bind in
                bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
            }) { row in
                rows[row.text(0)] = MergeRow(hlc: row.text(1), author: row.text(2), value: row.text(3))
            }
        }
        return ScopeState(original: rows, rows: rows, hadConflict: ScopeState.isConflict(rows), appendOnly: appendOnly)
    }

    /// Whether the entity had merge rows before the batch (asked once per entity). The rows a
    /// batch writes are all in scopes it holds, so a scope not yet read is still empty.
    private mutating func hadRows(_ ref: EntityRef, _ db: Database) throws -> Bool {
        if existing.contains(ref) { return true }
        if absent.contains(ref) { return false }
        let found = try statement(.entityHasRows, db).existsDirect { bind in
            bind.text(ref.entity.rawValue); bind.text(ref.entityID)
        }
        if found { existing.insert(ref) } else { absent.insert(ref) }
        return found
    }

    /// The operation ids currently live in a scope, as this batch leaves it so far.
    mutating func heads(_ scope: Scope, _ db: Database) throws -> [OperationID] {
        try load(scope, db).rows.keys.sorted().compactMap(OperationID.init)
    }

    // MARK: Folding one operation

    /// Folds one logged operation into its scope.
    mutating func merge(_ prepared: PreparedOperation, local: Bool, _ db: Database) throws {
        let op = prepared.op
        let scope = prepared.scope
        let ref = EntityRef(entity: op.entity, entityID: op.entityID)
        switch op.kind {
        case .append:
            var state = try take(scope, appendOnly: true, db)
            state.rows[prepared.idText] = prepared.row
            scopes[scope] = state
            appended.append(op)
            entities[ref, default: EntityChanges()].fields.insert(op.field)
            return
        case .set, .add:
            var state = try take(scope, db)
            for overwritten in op.context { try supersede(overwritten, in: scope, kind: op.kind, by: prepared.hlcText, &state, db) }
            // A replica's writes to one field are ordered by its own clock: each overwrites the
            // replica's earlier ones, named in its context or not (the replica saw what it wrote).
            // So a field holds at most one head per replica.
            let prefix = op.id.replica.rawValue + ":"
            for (id, row) in state.rows where row.hlc < prepared.hlcText && id.hasPrefix(prefix) {
                state.rows[id] = nil
            }
            // A fresh local operation is dated after everything the replica has seen, so no
            // operation it holds can overwrite it (supersession needs a later timestamp).
            let overwritten = local ? false
                : try isSuperseded(prepared, db) || hasLaterOwnWrite(prepared, state, db)
            if !overwritten, state.rows[prepared.idText] == nil {
                state.rows[prepared.idText] = prepared.row
            }
            scopes[scope] = state
        case .remove:
            var state = try take(scope, db)
            for removed in op.context { try supersede(removed, in: scope, kind: .add, by: prepared.hlcText, &state, db) }
            scopes[scope] = state
        case .max:
            // One row per field: the largest value, and the earliest operation that reached it
            // (a reused timestamp, refused by the server but possible in a file, falls back on
            // the author, so that the row never depends on the order of arrival).
            var state = try take(scope, db)
            let candidate = prepared.row
            if let current = state.rows[""] {
                let new = op.value.intValue ?? 0, old = Int64(current.value) ?? 0
                let earlier = candidate.hlc != current.hlc ? candidate.hlc.utf8.lexicographicallyPrecedes(current.hlc.utf8)
                    : candidate.author.utf8.lexicographicallyPrecedes(current.author.utf8)
                if new > old || (new == old && earlier) {
                    state.rows[""] = candidate
                }
            } else {
                state.rows[""] = candidate
            }
            scopes[scope] = state
        case .reach:
            // A milestone keeps the earliest operation that reached it, in the merge order
            // (the row's value is the reaching operation's id, as a JSON string).
            var state = try take(scope, db)
            let candidate = prepared.row
            if let current = state.rows[""] {
                if MergeOrder.wins(current.hlc, String(current.value.dropFirst().dropLast()), over: candidate.hlc, prepared.idText) {
                    state.rows[""] = candidate
                }
            } else {
                state.rows[""] = candidate
            }
            scopes[scope] = state
        }
        var changes = entities[ref, default: EntityChanges()]
        if op.kind == .set {
            changes.registers.insert(scope)
            if !op.key.isEmpty { changes.fields.insert(op.field) }
        } else {
            changes.fields.insert(op.field)
            if op.kind == .add || op.kind == .remove { changes.elements[op.field, default: []].insert(op.key) }
        }
        entities[ref] = changes
    }

    /// Drops `overwritten` from the scope if it is there and dated before the overwriting
    /// operation; otherwise, if it has not arrived yet, remembers it so that it is born
    /// overwritten when it arrives, if it turns out to be dated earlier.
    ///
    /// An operation can only overwrite what happened before it: a context naming an operation
    /// with a later timestamp (one that cannot have been seen, such as another replica's next
    /// counters) overwrites nothing. This keeps the state a function of the set of operations
    /// and makes a local write reach the same state as a rebuild of the log.
    ///
    /// `kind`: the kind of the operations the scope's rows come from (`set` or `add`). When a
    /// compacted operation's row goes, the merge remembers it as its replica's write to the
    /// scope (`compacted_writes`): the log no longer can.
    private mutating func supersede(_ overwritten: OperationID, in scope: Scope, kind: OperationKind, by byHLC: String,
                                    _ state: inout ScopeState, _ db: Database) throws {
        let idText = overwritten.description
        if let row = state.rows[idText] {
            if row.hlc < byHLC {
                state.rows[idText] = nil
                if compacted, try !statement(.isLogged, db).existsDirect({ $0.text(idText) }) {
                    try statement(.rememberDroppedWrite, db).executeDirect { bind in
                        bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
                        bind.text(kind.rawValue); bind.text(overwritten.replica.rawValue); bind.text(row.hlc)
                    }
                }
            }
            return
        }
        // Already merged (dated later, in another scope, or already overwritten): nothing to remember.
        if try statement(.isLogged, db).existsDirect({ $0.text(idText) }) { return }
        if compacted, try store.isCompacted(overwritten, db) { return }
        try statement(.remember, db).executeDirect { bind in
            bind.text(idText); bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
            bind.text(byHLC)
        }
        supersededMayExist = true
    }

    /// Whether an arriving operation was named, before it arrived, by a later operation.
    private mutating func isSuperseded(_ prepared: PreparedOperation, _ db: Database) throws -> Bool {
        guard supersededMayExist else { return false }
        let scope = prepared.scope
        return try statement(.isSuperseded, db).existsDirect { bind in
            bind.text(prepared.idText); bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field)
            bind.text(scope.key); bind.text(prepared.hlcText)
        }
    }

    /// Whether the replica that wrote an arriving operation already wrote the scope later.
    ///
    /// For a register, the newest operation of a scope is always one of its rows (nothing can
    /// overwrite it), so when every row is older and the batch holds nothing later from the
    /// same replica, the log holds nothing later either.
    private mutating func hasLaterOwnWrite(_ prepared: PreparedOperation, _ state: ScopeState, _ db: Database) throws -> Bool {
        let op = prepared.op
        let prefix = op.id.replica.rawValue + ":"
        if let newest = batchNewest[OwnScope(scope: prepared.scope, replica: op.id.replica.rawValue)], newest > prepared.hlcText {
            return true
        }
        // A later write of the same replica still shown (a compacted one is not in the log).
        if state.rows.contains(where: { $0.value.hlc > prepared.hlcText && $0.key.hasPrefix(prefix) }) { return true }
        if logMerged && op.kind == .set && !state.rows.values.contains(where: { $0.hlc > prepared.hlcText }) {
            return false
        }
        let scope = prepared.scope
        if try statement(.laterOwnWrite, db).existsDirect({ bind in
            bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
            bind.text(op.kind.rawValue); bind.int(prefix.count); bind.text(prefix); bind.text(prepared.hlcText)
        }) { return true }
        guard compacted else { return false }
        return try statement(.laterDroppedWrite, db).existsDirect { bind in
            bind.text(scope.entity.rawValue); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
            bind.text(op.kind.rawValue); bind.text(op.id.replica.rawValue); bind.text(prepared.hlcText)
        }
    }

    // MARK: Writing back

    /// Writes the rows that changed since the scopes were read (or last flushed), and moves
    /// each entity's hash by the rows that came and went.
    mutating func flush(_ db: Database) throws {
        for (scope, state) in scopes where state.rows != state.original {
            let ref = EntityRef(entity: scope.entity, entityID: scope.entityID)
            // Whether the entity had rows before the batch is asked before its first rows are
            // written (log fields are never read), so a later scope read still sees the answer
            // from before the batch.
            if !existing.contains(ref) && !absent.contains(ref) { _ = try hadRows(ref, db) }
            var delta = deltas[ref] ?? .zero
            let entity = scope.entity.rawValue
            func hash(_ id: String, _ row: MergeRow) -> DigestSum {
                row.hash ?? StateDigest.rowHash(entity: entity, entityID: scope.entityID, field: scope.field, key: scope.key,
                                    opID: id, hlc: row.hlc, author: row.author, value: row.value)
            }
            // Rows that went and rows that came, paired into one UPDATE each where possible (a
            // register's new head usually replaces the old one).
            var gone: [(id: String, row: MergeRow)] = []
            for (id, old) in state.original where state.rows[id] != old {
                delta -= hash(id, old)
                if let new = state.rows[id] {
                    try statement(.update, db).executeDirect { bind in
                        bind.text(new.hlc); bind.text(new.author); bind.text(new.value)
                        bind.text(entity); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key); bind.text(id)
                    }
                    delta += hash(id, new)
                } else {
                    gone.append((id, old))
                }
            }
            for (id, new) in state.rows where state.original[id] == nil {
                if let replaced = gone.popLast() {
                    try statement(.replace, db).executeDirect { bind in
                        bind.text(id); bind.text(new.hlc); bind.text(new.author); bind.text(new.value)
                        bind.text(entity); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key); bind.text(replaced.id)
                    }
                    delta += hash(id, new)
                    continue
                }
                try statement(.insert, db).executeDirect { bind in
                    bind.text(entity); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key)
                    bind.text(id); bind.text(new.hlc); bind.text(new.author); bind.text(new.value)
                }
                // An append-only scope is not read first: a row already there is not new.
                if db.changesCount > 0 { delta += hash(id, new) }
            }
            for (id, _) in gone {
                try statement(.delete, db).executeDirect { bind in
                    bind.text(entity); bind.text(scope.entityID); bind.text(scope.field); bind.text(scope.key); bind.text(id)
                }
            }
            deltas[ref] = delta
            var flushed = state
            flushed.original = state.rows
            if state.appendOnly { flushed.rows = [:]; flushed.original = [:] }
            scopes[scope] = flushed
        }
    }

    /// Writes back, materialises every touched entity once, and moves the digest buckets.
    mutating func finish(_ db: Database) throws -> StateChanges {
        try flush(db)
        var changes = StateChanges()
        try store.materialize(self, created: &changes.created, db)
        for (ref, delta) in deltas where !delta.isZero {
            changes.hashes[EntityKey(ref.entity, ref.entityID)] = delta
        }
        try store.moveDigest(by: changes, db)
        return changes
    }
}

/// An operation ready to merge, with the texts every statement uses computed once. A class:
/// the fold passes each one around several times, and a reference moves for one retain.
final class PreparedOperation: Sendable {
    let op: SyncOperation
    let idText: String
    let hlcText: String
    let valueJSON: String
    /// The context as the log stores it: a JSON array of operation ids.
    let contextJSON: String
    let scope: Scope
    /// The row the operation brings to its scope, with its digest hash: its value, or for a
    /// milestone the reaching operation's id as a JSON string. Registers and sets file it
    /// under the operation's id, maxima and milestones under "" (one row per scope).
    let row: MergeRow

    init(_ op: SyncOperation) {
        self.op = op
        idText = op.id.description
        hlcText = op.hlc.description
        valueJSON = op.value.canonicalJSON
        var context = "["
        for (index, entry) in op.context.enumerated() {
            if index > 0 { context += "," }
            context += "\"" + entry.description + "\""
        }
        contextJSON = context + "]"
        scope = Scope(entity: op.entity, entityID: op.entityID, field: op.field, key: op.key)
        let rowValue = op.kind == .reach ? "\"" + idText + "\"" : valueJSON
        let rowID = op.kind == .max || op.kind == .reach ? "" : idText
        // A removal brings no row: its hash would never be used.
        row = MergeRow(hlc: hlcText, author: op.author, value: rowValue, hash: op.kind == .remove ? nil : StateDigest.rowHash(
            entity: op.entity.rawValue, entityID: op.entityID, field: op.field, key: op.key,
            opID: rowID, hlc: hlcText, author: op.author, value: rowValue))
    }

    /// The merge order within a batch: ascending timestamp, then id.
    static func mergeOrder(_ a: PreparedOperation, _ b: PreparedOperation) -> Bool {
        if a.op.hlc != b.op.hlc { return a.op.hlc < b.op.hlc }
        return a.idText.utf8.lexicographicallyPrecedes(b.idText.utf8)
    }
}

/// A remote batch checked against the schema and put in merge order, with every text the
/// statements bind computed (`ReplicaStore.prepare`). It needs no database, so a loader can
/// prepare the next batch on another core while this one is written.
public struct PreparedBatch: Sendable {
    /// The operations as given.
    public let source: [SyncOperation]
    /// The same, prepared, in the order given (the log's order).
    let operations: [PreparedOperation]
    /// Operations a newer schema wrote: logged, not merged.
    let held: Set<OperationID>
    /// Indices into `operations`, in merge order.
    let mergeOrder: [Int]
    /// `BatchMerge.batchNewest` for the operations not held, valid when none is a duplicate.
    let newestOwnWrites: [BatchMerge.OwnScope: String]

    /// How many operations the batch holds.
    public var count: Int { operations.count }
}

/// One row of `field_state`, within its scope.
struct MergeRow: Equatable {
    let hlc: String
    let author: String
    let value: String
    /// The row's digest hash when it was computed ahead (an arriving operation's own row,
    /// prepared off the writer); not part of the row's identity.
    let hash: DigestSum?

    init(hlc: String, author: String, value: String, hash: DigestSum? = nil) {
        self.hlc = hlc
        self.author = author
        self.value = value
        self.hash = hash
    }

    static func == (lhs: MergeRow, rhs: MergeRow) -> Bool {
        lhs.hlc == rhs.hlc && lhs.author == rhs.author && lhs.value == rhs.value
    }
}

/// A scope's rows during a batch: as read, and as the batch leaves them.
struct ScopeState {
    var original: [String: MergeRow]
    var rows: [String: MergeRow]
    /// Whether the scope showed a conflict before the batch (a row to clear may exist).
    var hadConflict: Bool
    /// Log fields are not read: their rows are only ever added.
    var appendOnly: Bool

    /// Concurrent heads with different values (one person on two devices writing the same
    /// value is no conflict).
    static func isConflict(_ rows: [String: MergeRow]) -> Bool {
        guard rows.count > 1, let first = rows.first?.value.value else { return false }
        return rows.values.contains { $0.value != first }
    }

    /// The heads winner first, in the merge order.
    var headsWinnerFirst: [(id: String, row: MergeRow)] {
        rows.map { (id: $0.key, row: $0.value) }.sorted { MergeOrder.wins($0.row.hlc, $0.id, over: $1.row.hlc, $1.id) }
    }
}

/// What a batch changed in the state, for whoever keeps digests of parts of it (the server
/// keeps one per audience).
public struct StateChanges: Sendable, Equatable {
    /// How each entity's hash moved (entities whose merge rows did not change are absent).
    public var hashes: [EntityKey: DigestSum] = [:]
    /// Entities that did not exist before the batch.
    public var created: Set<EntityKey> = []
    public init() {}
}
