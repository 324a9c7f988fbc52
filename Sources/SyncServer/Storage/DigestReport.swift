import SyncCore
/// The state digest over what one principal may see, so a replica can prove it has converged.
public struct DigestReport: Sendable, Equatable {
    public var digest: String
    /// How many entities the digest covers.
    public var entities: Int
    /// The sixteen bucket sums the digest is the hash of (`StateDigest`): where two digests
    /// differ, these say which buckets of entities hold the difference.
    public var buckets: [String]
    /// The entities themselves, when asked for (`?list=1`): a replica computes its own digest
    /// over exactly this set with `ReplicaStore.stateDigest(of:_:)`.
    public var visible: [EntityKey]?

    public init(digest: String, entities: Int, buckets: [String] = [], visible: [EntityKey]? = nil) {
        self.digest = digest
        self.entities = entities
        self.buckets = buckets
        self.visible = visible
    }
}
