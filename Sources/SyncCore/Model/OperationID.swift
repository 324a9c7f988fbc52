/// A globally unique operation id: the replica that wrote it and that replica's counter.
/// Text form `replica:counter`.
public struct OperationID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var replica: ReplicaID
    public var counter: Int64

    public init(replica: ReplicaID, counter: Int64) {
        self.replica = replica
        self.counter = counter
    }

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"),
              let replica = ReplicaID(String(text[..<colon])),
              let counter = Int64(text[text.index(after: colon)...]), counter > 0
        else { return nil }
        self.init(replica: replica, counter: counter)
    }

    public var description: String { "\(replica.rawValue):\(counter)" }

    public static func < (lhs: OperationID, rhs: OperationID) -> Bool {
        (lhs.replica.rawValue, lhs.counter) < (rhs.replica.rawValue, rhs.counter)
    }
}
