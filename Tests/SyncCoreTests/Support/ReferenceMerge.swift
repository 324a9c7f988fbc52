import SyncCore

/// A second, deliberately naive statement of the merge rules (docs/ARCHITECTURE.md, "Store/";
/// README, "Merge rules in one paragraph"), written from the documentation and not from the
/// store: no SQL, no incremental state, no `superseded` bookkeeping. It sees the whole *set* of
/// operations at once and answers every question by scanning it (quadratic, fine for a few
/// dozen operations), so each rule reads as one sentence of the docs. `ReferenceModelTests`
/// compares it with what `ReplicaStore` materialises; where the two disagree, one of them
/// misreads the docs.
///
/// Only the rule's shape comes from the operation itself (`set`, `add`/`remove`, `reach`,
/// `max`, `append`); the one fact taken from the declarations is which milestone seals which
/// keyed field. Held operations (of a newer schema) are not modelled: feed only mergeable ones.
struct ReferenceMerge {
    /// A milestone that seals a keyed register of the same entity (a motion's `closed` seals its `votes`).
    struct Seal: Hashable {
        var entity: EntityKind
        var milestoneField: String
        var milestone: String
        var sealedField: String
    }

    /// The place an operation acts on: a register, one key of a keyed register, one element of a
    /// set, one milestone; `key` is "" for unkeyed fields.
    struct Scope: Hashable {
        var entity: EntityKind
        var entityID: String
        var field: String
        var key: String
    }

    /// One key of a keyed register as a reader sees it.
    struct KeyedEntry {
        /// The register's winner.
        var current: SyncOperation
        /// The value that counts (nil: none does).
        var counted: JSONValue?
        /// A value dated before the sealing that the sealing did not see.
        var late: Bool
    }

    /// Every distinct operation (by id), in no meaningful order.
    let operations: [SyncOperation]
    let seals: [Seal]
    private let byScope: [Scope: [SyncOperation]]

    init(operations: some Sequence<SyncOperation>, seals: [Seal]) {
        var seen = Set<OperationID>()
        var distinct: [SyncOperation] = []
        for op in operations where seen.insert(op.id).inserted { distinct.append(op) }
        self.operations = distinct
        self.seals = seals
        byScope = Dictionary(grouping: distinct) { Scope(entity: $0.entity, entityID: $0.entityID, field: $0.field, key: $0.key) }
    }

    /// The seals a schema declares.
    static func seals(of schema: SyncSchema) -> [Seal] {
        var result: [Seal] = []
        for entity in schema.entities {
            for field in entity.fields {
                guard case .milestones(_, let seals) = field.rule else { continue }
                for (milestone, sealed) in seals {
                    result.append(Seal(entity: entity.kind, milestoneField: field.name, milestone: milestone, sealedField: sealed))
                }
            }
        }
        return result
    }

    // MARK: - Orders, written out rather than borrowed from `MergeOrder`

    /// Competing writes: the later timestamp wins; a reused timestamp falls back on the id's text.
    static func newer(_ a: SyncOperation, than b: SyncOperation) -> Bool {
        if a.hlc != b.hlc { return a.hlc > b.hlc }
        return a.id.description > b.id.description
    }

    /// Winner first.
    static func winnerFirst(_ ops: [SyncOperation]) -> [SyncOperation] {
        ops.sorted { newer($0, than: $1) }
    }

    // MARK: - Scopes

    func operations(in scope: Scope) -> [SyncOperation] { byScope[scope] ?? [] }

    /// Every scope some operation acts on.
    var scopes: [Scope] { Array(byScope.keys) }

    /// Every entity some operation names.
    var entities: Set<EntityKey> { Set(operations.map { EntityKey($0.entity, $0.entityID) }) }

    // MARK: - Registers (and each key of a keyed register)

    /// "An operation only overwrites the past": `later` overwrites `earlier` when it is dated
    /// after it and either names it in its context (it had seen it) or comes from the same
    /// replica (a replica saw what it wrote, so its writes to a field overwrite its own earlier
    /// ones). Whether `later` is itself overwritten does not matter.
    static func overwrites(_ later: SyncOperation, _ earlier: SyncOperation) -> Bool {
        later.id != earlier.id && earlier.hlc < later.hlc
            && (later.context.contains(earlier.id) || later.id.replica == earlier.id.replica)
    }

    /// The writes nobody overwrote, winner first.
    func heads(_ scope: Scope) -> [SyncOperation] {
        let writes = operations(in: scope).filter { $0.kind == .set }
        return Self.winnerFirst(writes.filter { write in !writes.contains { Self.overwrites($0, write) } })
    }

    /// The value a register shows.
    func winner(_ scope: Scope) -> SyncOperation? { heads(scope).first }

    /// A conflict is shown while more than one head remains and they do not all agree.
    func conflict(_ scope: Scope) -> [SyncOperation]? {
        let heads = heads(scope)
        guard heads.count > 1, Set(heads.map(\.value)).count > 1 else { return nil }
        return heads
    }

    // MARK: - Add-wins sets

    /// An addition is live unless a later removal (or a later addition, which replaces the tags
    /// it saw) names its tag, or a later addition of the same element by the same replica
    /// replaces it. A removal never removes what it had not seen.
    func liveAdditions(_ scope: Scope) -> [SyncOperation] {
        let ops = operations(in: scope)
        return Self.winnerFirst(ops.filter { add in
            add.kind == .add && !ops.contains { other in
                other.id != add.id && add.hlc < other.hlc
                    && (other.context.contains(add.id) || (other.kind == .add && other.id.replica == add.id.replica))
            }
        })
    }

    /// The elements present in a set, each with its newest live addition (which gives a
    /// record element its value).
    func setElements(_ entity: EntityKind, _ entityID: String, _ field: String) -> [String: SyncOperation] {
        var result: [String: SyncOperation] = [:]
        for scope in scopes where scope.entity == entity && scope.entityID == entityID && scope.field == field {
            if let newest = liveAdditions(scope).first { result[scope.key] = newest }
        }
        return result
    }

    // MARK: - Milestones, maxima, logs

    /// A milestone keeps the earliest operation that reached it (timestamp, then id text).
    func reached(_ scope: Scope) -> SyncOperation? {
        operations(in: scope).filter { $0.kind == .reach }.min { ($0.hlc, $0.id.description) < ($1.hlc, $1.id.description) }
    }

    /// The milestones reached on one entity's field, each with its earliest reaching operation.
    func milestones(_ entity: EntityKind, _ entityID: String, _ field: String) -> [String: SyncOperation] {
        var result: [String: SyncOperation] = [:]
        for scope in scopes where scope.entity == entity && scope.entityID == entityID && scope.field == field {
            if let first = reached(scope) { result[scope.key] = first }
        }
        return result
    }

    /// A maximum keeps the largest value; among equal values the earliest timestamp, then the
    /// smallest author, so the kept row never depends on the order of arrival.
    func maximum(_ scope: Scope) -> SyncOperation? {
        operations(in: scope).filter { $0.kind == .max }.min { a, b in
            let (va, vb) = (a.value.intValue ?? .min, b.value.intValue ?? .min)
            if va != vb { return va > vb }
            if a.hlc != b.hlc { return a.hlc < b.hlc }
            return a.author < b.author
        }
    }

    /// A log keeps every entry.
    func logEntries(_ entity: EntityKind, _ entityID: String, _ field: String) -> [SyncOperation] {
        operations.filter { $0.kind == .append && $0.entity == entity && $0.entityID == entityID && $0.field == field }
    }

    // MARK: - Keyed registers and their sealing

    /// The milestone operation that seals `field` of an entity, if one was reached: the
    /// earliest operation reaching the sealing milestone.
    func sealing(_ entity: EntityKind, _ entityID: String, _ field: String) -> SyncOperation? {
        for seal in seals where seal.entity == entity && seal.sealedField == field {
            if let first = reached(Scope(entity: entity, entityID: entityID, field: seal.milestoneField, key: seal.milestone)) {
                return first
            }
        }
        return nil
    }

    /// Each key of a keyed register: its current value and the value that counts.
    ///
    /// Until sealed, the current value counts. A sealing with the value "sealed" names, in its
    /// context, the value of each key its replica held: that value counts, and the key's
    /// values dated before it were seen through it; a value dated before the sealing that is
    /// newer than the counted one, or of a key the sealing did not name, is late and never
    /// counts. A sealing from an older client (null value) counts the last value dated before
    /// it. Values dated after the sealing never count and are never late.
    func keyedEntries(_ entity: EntityKind, _ entityID: String, _ field: String) -> [String: KeyedEntry] {
        let sealing = sealing(entity, entityID, field)
        var result: [String: KeyedEntry] = [:]
        for scope in scopes where scope.entity == entity && scope.entityID == entityID && scope.field == field {
            guard let current = winner(scope) else { continue }
            var entry = KeyedEntry(current: current, counted: current.value, late: false)
            if let sealing {
                let before = operations(in: scope).filter { $0.kind == .set && $0.hlc < sealing.hlc }
                let counted: SyncOperation?
                if sealing.value == .null {
                    counted = Self.winnerFirst(before).first
                } else {
                    counted = Self.winnerFirst(before.filter { sealing.context.contains($0.id) }).first
                    entry.late = before.contains { value in counted.map { Self.newer(value, than: $0) } ?? true }
                }
                entry.counted = counted?.value
            }
            result[scope.key] = entry
        }
        return result
    }
}
