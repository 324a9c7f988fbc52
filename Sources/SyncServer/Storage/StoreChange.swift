import SyncCore

/// Everything one push (or one imported batch) changes in a server store, as a value: the
/// accepted operations and the server's own bookkeeping that goes with them.
///
/// Why a value: judging a push reads the store, but what it then writes is only this. The
/// embedded store records it in the same transaction (`SQLiteSyncStorage.record`); the
/// PostgreSQL store appends it to the shared journal, and every instance records the same
/// changes in the same order, so all of them hold the same state, log positions included,
/// without judging anything twice (an instance of another version or configuration never
/// re-decides a push).
public struct StoreChange: Sendable, Equatable {
    /// The pushing replica and its owner, first seen or seen again at `milliseconds`.
    public struct ReplicaBinding: Sendable, Equatable, Codable {
        public var replica: String
        public var memberID: String
        public var milliseconds: Int64
    }

    /// A refusal remembered, so that a retried batch gets the same answer.
    public struct RememberedRejection: Sendable, Equatable, Codable {
        public var operationID: String
        public var memberID: String
        public var fingerprint: String
        public var code: String
        public var reason: String
    }

    /// What a member stored on a UTC day, counted against the quota.
    public struct UsageCharge: Sendable, Equatable, Codable {
        public var memberID: String
        public var day: String
        public var operations: Int
        public var bytes: Int
    }

    public var replica: ReplicaBinding?
    public var rejections: [RememberedRejection] = []
    public var usage: UsageCharge?
    /// The accepted operations, in the order the merge applies them.
    public var operations: [SyncOperation] = []

    public init(replica: ReplicaBinding? = nil, rejections: [RememberedRejection] = [], usage: UsageCharge? = nil,
                operations: [SyncOperation] = []) {
        self.replica = replica
        self.rejections = rejections
        self.usage = usage
        self.operations = operations
    }

    /// Whether recording it would change nothing (a retried push of operations all stored
    /// before, from a known replica: `judge` leaves its binding out).
    public var isEmpty: Bool { replica == nil && rejections.isEmpty && usage == nil && operations.isEmpty }
}
