import SyncCore
/// A push request as the storage sees it: the pushing replica and each operation either
/// parsed or with the error that made it unreadable (reported back, never stored).
public struct PushBatch: Sendable {
    public enum Item: Sendable {
        case operation(SyncOperation)
        /// An operation that failed to parse or validate; `id` is its id as sent, or `#<index>`.
        case invalid(id: String, error: SyncError)
    }

    public var replica: ReplicaID
    public var items: [Item]

    public init(replica: ReplicaID, items: [Item]) {
        self.replica = replica
        self.items = items
    }
}
