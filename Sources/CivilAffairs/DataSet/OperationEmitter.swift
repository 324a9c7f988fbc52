import SyncCore
/// Turns the generator's events into `SyncOperation`s as real replicas would have written
/// them: each replica numbers its operations 1, 2, 3…, and stamps them with a hybrid logical
/// clock reading the (simulated) time of the event.
///
/// Events are given to the minute; the millisecond within the minute is the replica's counter
/// modulo 60,000, so two operations of one replica never share a timestamp (that would need
/// 60,000 of its operations in one minute). Events after the end of the simulated period did
/// not happen yet and are dropped (`emit` returns false).
struct OperationEmitter {
    let endMilliseconds: Int64
    private(set) var counters: [Int64]
    let replicas: [ReplicaID]
    var buffer: [SyncOperation] = []
    private(set) var emitted = 0

    init(replicas: [ReplicaID], endMilliseconds: Int64) {
        self.replicas = replicas
        self.endMilliseconds = endMilliseconds
        counters = Array(repeating: 0, count: replicas.count)
    }

    /// Emits one operation by replica number `replica`, at minute-aligned `at`; returns its id,
    /// or nil when the event falls after the end of the simulated period.
    @discardableResult
    mutating func emit(_ replica: Int, at: Int64, author: String, _ entity: EntityKind, _ id: String, _ field: String,
                       key: String = "", kind: OperationKind, value: JSONValue = .null, context: [OperationID] = []) -> OperationID? {
        guard at <= endMilliseconds else { return nil }
        counters[replica] += 1
        let counter = counters[replica]
        let replicaID = replicas[replica]
        let wall = at - at % 60_000 + counter % 60_000
        buffer.append(SyncOperation(id: OperationID(replica: replicaID, counter: counter),
                                    hlc: HLCTimestamp(wallMilliseconds: wall, logical: 0, replica: replicaID),
                                    author: author, entity: entity, entityID: id, field: field, key: key, kind: kind, value: value,
                                    context: context))
        emitted += 1
        return OperationID(replica: replicaID, counter: counter)
    }

    mutating func set(_ replica: Int, at: Int64, author: String, _ entity: EntityKind, _ id: String, _ field: String, _ value: JSONValue) {
        emit(replica, at: at, author: author, entity, id, field, kind: .set, value: value)
    }

    mutating func set(_ replica: Int, at: Int64, author: String, _ entity: EntityKind, _ id: String, _ field: String, _ text: String) {
        emit(replica, at: at, author: author, entity, id, field, kind: .set, value: .string(text))
    }

    /// A milestone; `sealing`, for a milestone that seals a field (a motion's closing), are the
    /// operations it seals (each voter's vote), as its context.
    @discardableResult
    mutating func reach(_ replica: Int, at: Int64, author: String, _ entity: EntityKind, _ id: String, _ milestone: String,
                        sealing: [OperationID]? = nil) -> Bool {
        emit(replica, at: at, author: author, entity, id, "milestones", key: milestone, kind: .reach,
             value: sealing == nil ? .null : SyncOperation.sealedMarker, context: sealing ?? []) != nil
    }

    mutating func add(_ replica: Int, at: Int64, author: String, _ entity: EntityKind, _ id: String, _ field: String,
                      element: String, value: JSONValue? = nil) {
        emit(replica, at: at, author: author, entity, id, field, key: element, kind: .add, value: value ?? .string(element))
    }

    /// Hands the buffered operations over and empties the buffer.
    mutating func drain() -> [SyncOperation] {
        defer { buffer.removeAll(keepingCapacity: true) }
        return buffer
    }
}
