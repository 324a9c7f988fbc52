import SyncCore
/// One page of a pull.
public struct PullPage: Sendable, Equatable {
    /// Operations to apply, in log order (replayed older operations first).
    public var operations: [SyncOperation]
    /// The cursor to send next time.
    public var cursor: Int64
    /// Whether more operations wait after `cursor`.
    public var more: Bool

    public init(operations: [SyncOperation], cursor: Int64, more: Bool) {
        self.operations = operations
        self.cursor = cursor
        self.more = more
    }
}
