/// A change a local user wants to make; `ReplicaStore.record` turns it into an operation with
/// an id, a timestamp and the causal context read from the replica.
public struct FieldWrite: Sendable, Hashable {
    public var entity: EntityKind
    public var entityID: String
    public var field: String
    public var key: String
    public var kind: OperationKind
    public var value: JSONValue

    public init(_ entity: EntityKind, _ entityID: String, _ field: String, key: String = "",
                kind: OperationKind, value: JSONValue = .null) {
        self.entity = entity
        self.entityID = entityID
        self.field = field
        self.key = key
        self.kind = kind
        self.value = value
    }

    public static func set(_ entity: EntityKind, _ id: String, _ field: String, _ value: JSONValue, key: String = "") -> FieldWrite {
        FieldWrite(entity, id, field, key: key, kind: .set, value: value)
    }
    public static func add(_ entity: EntityKind, _ id: String, _ field: String, element: String, value: JSONValue? = nil) -> FieldWrite {
        FieldWrite(entity, id, field, key: element, kind: .add, value: value ?? .string(element))
    }
    public static func remove(_ entity: EntityKind, _ id: String, _ field: String, element: String) -> FieldWrite {
        FieldWrite(entity, id, field, key: element, kind: .remove)
    }
    public static func reach(_ entity: EntityKind, _ id: String, _ milestone: String, field: String = "milestones") -> FieldWrite {
        FieldWrite(entity, id, field, key: milestone, kind: .reach)
    }
    public static func raise(_ entity: EntityKind, _ id: String, _ field: String, to value: Int64) -> FieldWrite {
        FieldWrite(entity, id, field, kind: .max, value: .int(value))
    }
    public static func append(_ entity: EntityKind, _ id: String, _ field: String, _ text: String) -> FieldWrite {
        FieldWrite(entity, id, field, kind: .append, value: .string(text))
    }
}

/// What applying a batch did.
public struct ApplyResult: Sendable, Equatable {
    /// Operations stored for the first time.
    public var applied: [OperationID] = []
    /// Operations already present (re-deliveries), which changed nothing.
    public var duplicates: [OperationID] = []
    /// Of `applied`, those a newer schema wrote that this replica's does not know: kept in the
    /// log, not merged until the replica is upgraded.
    public var held: [OperationID] = []
    /// How the merged state moved: entities whose hash changed, entities created.
    public var changes = StateChanges()
    public init() {}
}
