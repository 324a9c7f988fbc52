import SyncCore

/// What a batch itself says about entities the state does not hold yet.
///
/// A new case arrives as many operations in one batch (ref, title, …, submitter, branch); the
/// rules for its title must know its submitter, which only the batch can tell. Only entities
/// absent from the state are judged from the batch, so a batch can never override what is
/// already known (a monitor cannot "re-submit" someone else's case).
///
/// The facts are what the entity was *created* as: for each deciding field, the earliest write
/// in the batch, by the merge's own order (`MergeOrder`). Later writes of the same field in the
/// batch are changes to the entity, judged against what it was before them, as they would be
/// had the creation been stored first (branch staff may create a case in their branch and then
/// move it to another, offline, in one push). And they come only from operations that are
/// themselves accepted: `AccessPolicy.judge` rebuilds them as it refuses operations, so a
/// refused decoy never lends its facts to the rest.
public struct BatchFacts: Sendable {
    /// The creating (earliest) write of each decisive register, per entity and field.
    private var registers: [EntityKey: [String: SyncOperation]] = [:]
    /// Entities the batch touches at all.
    public private(set) var entities: Set<EntityKey> = []

    /// The register fields that decide access, collected from the batch (`AccessFields`).
    public static var decisiveFields: Set<String> { AccessFields.deciding }

    public init(_ operations: some Sequence<SyncOperation>) {
        for op in operations {
            let key = EntityKey(op.entity, op.entityID)
            entities.insert(key)
            guard op.kind == .set, op.key.isEmpty, Self.decisiveFields.contains(op.field) else { continue }
            if let existing = registers[key]?[op.field], MergeOrder.wins(op, over: existing) { continue }
            registers[key, default: [:]][op.field] = op
        }
    }

    /// The text the batch sets on a field of an entity, if any.
    public func text(_ entity: EntityKind, _ id: String, _ field: String) -> String? {
        registers[EntityKey(entity, id)]?[field]?.value.stringValue
    }

    /// Whether the batch sets any deciding field of the entity: it is creating it.
    public func declares(_ entity: EntityKey) -> Bool { registers[entity] != nil }

    /// Whether the batch says anything about the entity.
    public func touches(_ entity: EntityKey) -> Bool { entities.contains(entity) }
}
