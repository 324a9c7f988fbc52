import SyncCore
/// The state digest over what one principal may see, so a replica can prove it has converged.
public struct DigestReport: Sendable, Equatable {
    public var digest: String
    /// How many entities the digest covers.
    public var entities: Int
    /// The entities themselves, when asked for (`?list=1`): a replica computes its own digest
    /// over exactly this set with `ReplicaStore.stateDigest(visible:)`.
    public var visible: [EntityKey]?

    public init(digest: String, entities: Int, visible: [EntityKey]? = nil) {
        self.digest = digest
        self.entities = entities
        self.visible = visible
    }
}
