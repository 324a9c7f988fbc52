import SyncCore

/// What the server knows of one replica, asked at the start of every sync
/// (`GET /v1/replicas/{replica}`): the store's epoch, and the highest counter and latest
/// timestamp of the replica's own operations the store holds.
///
/// Why: a replica file restored from an old copy of itself would otherwise number its next
/// operations with counters it already used (their ids would clash with stored operations), and
/// a replica that meets another epoch knows the server's log is not the one it synced with.
public struct ReplicaStatus: Sendable, Equatable {
    public var replica: ReplicaID
    /// The identity of the store's log (`SyncStorage.epoch`).
    public var epoch: String
    /// The highest counter among the replica's operations the store holds (0: none).
    public var highestCounter: Int64
    /// The latest timestamp among them (nil: none).
    public var latestTimestamp: HLCTimestamp?
    /// Whether the replica has pushed here before (its owner is known).
    public var known: Bool
    /// For the counters asked about, the SHA-256 of the stored operation's wire form (counters the
    /// store does not hold are absent): a replica file restored from an old copy of itself tells
    /// which of its unsent operations the server holds already (same content) and which ids it
    /// used again for something else (another content), before sending anything.
    public var fingerprints: [Int64: String] = [:]
    /// The fingerprint given for an operation the server stored and then compacted without
    /// keeping its fingerprint: it matches no content. (One compacted with its fingerprint kept
    /// is given the fingerprint's first 16 hex digits.)
    public static let compactedFingerprint = "compacted"

    public init(replica: ReplicaID, epoch: String, highestCounter: Int64, latestTimestamp: HLCTimestamp?, known: Bool) {
        self.replica = replica
        self.epoch = epoch
        self.highestCounter = highestCounter
        self.latestTimestamp = latestTimestamp
        self.known = known
    }
}
