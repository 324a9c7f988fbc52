import SyncCore
/// What a push batch itself says about entities the server has not seen yet.
///
/// A new case arrives as many operations in one batch (ref, title, …, submitter, branch); the
/// rules for its title must know its submitter, which only the batch can tell. Only entities
/// absent from the server's state are judged from the batch, so a batch can never override
/// what the server already knows (a monitor cannot "re-submit" someone else's case).
public struct BatchFacts: Sendable {
    /// Register values written in the batch, per entity and field; the highest HLC wins.
    private var registers: [EntityKey: [String: (hlc: HLCTimestamp, value: JSONValue)]] = [:]
    /// Entities the batch touches at all.
    public private(set) var entities: Set<EntityKey> = []

    /// The register fields that decide access, collected from the batch.
    static let decisiveFields: Set<String> = ["submitter", "branch", "case", "meeting", "council"]

    public init(_ operations: [SyncOperation]) {
        for op in operations {
            let key = EntityKey(op.entity, op.entityID)
            entities.insert(key)
            guard op.kind == .set, op.key.isEmpty, Self.decisiveFields.contains(op.field) else { continue }
            if let existing = registers[key]?[op.field], existing.hlc >= op.hlc { continue }
            registers[key, default: [:]][op.field] = (op.hlc, op.value)
        }
    }

    /// The text the batch sets on a field of an entity, if any.
    public func text(_ entity: EntityKind, _ id: String, _ field: String) -> String? {
        registers[EntityKey(entity, id)]?[field]?.value.stringValue
    }
}
