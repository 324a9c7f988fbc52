/// What one `field sync` did; the `--json` output of the command.
public struct SyncReport: Sendable, Codable, Equatable {
    public struct Rejection: Sendable, Codable, Equatable {
        public var id: String
        public var code: String
        public var reason: String
    }
    /// Local operations sent.
    public var pushed = 0
    /// Of those, stored by the server.
    public var acknowledged = 0
    /// Refused by the server, with its reasons; kept on the replica, not retried.
    public var rejected: [Rejection] = []
    /// Refused for now because of time (`clock_ahead`): they stay waiting and go again.
    public var deferred = 0
    /// Own operations re-dated with the clock corrected by the server's time.
    public var redated = 0
    /// Whether the server's epoch was not the one this replica synced with before (restored from
    /// a backup, or another server): this replica's own operations were sent again (`resent`)
    /// and the pull started from the beginning.
    public var epochChanged = false
    /// Own operations sent again because the epoch changed.
    public var resent = 0
    /// Whether the server holds operations of this replica numbered beyond its counter (the
    /// file was restored from an old copy of itself): the counter moved past them.
    public var counterAdvanced = false
    /// Own operations given new ids because the server held their ids for other operations.
    public var renumbered = 0
    /// Local operations still waiting after this sync (deferred ones included).
    public var waiting = 0
    /// Whether the token's scope had changed, so the pull started again from the beginning.
    public var scopeChanged = false
    /// The branch this replica's owner now works for, when the token says another branch than
    /// the replica knew (a transfer): new work is filed under it and judged as its staff.
    public var branchChanged: String?
    /// Why pushing stopped early (the server asked to wait: a daily quota); the waiting changes
    /// go with a later sync. Nil when everything was pushed.
    public var throttled: String?
    /// Entities a first sync took whole from a snapshot, and the operations they carried.
    public var snapshotEntities = 0
    /// The server had compacted what this replica's pull needed (its cursor was older than the
    /// compaction horizon, or an entity with compacted history became visible to it): it took a
    /// snapshot again, keeping its own operations not yet stored.
    public var rebootstrapped = false
    public var snapshotOperations = 0
    /// Files attached on this replica whose bytes this sync uploaded, and how many bytes it sent.
    public var attachmentsUploaded = 0
    public var attachmentBytesSent: Int64 = 0
    /// Files attached here the server does not know of yet (their operation waits): they go later.
    public var attachmentsWaiting = 0
    /// Files the server refused (too large, a media type it does not take), with why; not sent again.
    public var attachmentsRefused: [Rejection] = []
    /// Why some files still wait (a problem with one file never stops the sync).
    public var attachmentNotes: [String] = []
    /// Operations received.
    public var pulled = 0
    /// Of those, new to this replica.
    public var applied = 0
    /// Of those, written with a newer schema than this replica's: kept in the log (and passed
    /// on), merged once `field` is upgraded.
    public var held = 0
    /// Why the digests were not compared: the server and this replica run different schema
    /// versions.
    public var schemaNote: String?
    /// Requests made (push and pull batches).
    public var batches = 0
    /// Fields in conflict after the sync.
    public var conflicts = 0
    /// This replica's digest after the sync.
    public var digest = ""
    /// The server's digest for this replica's scope.
    public var serverDigest: String?
    /// Whether the two digests are equal.
    public var converged: Bool?
    public init() {}
}

/// Progress of a long sync, reported after each batch.
public struct SyncProgress: Sendable, Equatable {
    public enum Phase: String, Sendable { case push, snapshot, pull, verify }
    /// What `done` and `total` count.
    public enum Unit: String, Sendable { case operations, bytes }
    public var phase: Phase
    public var pushed: Int
    public var pulled: Int
    public var batches: Int
    /// Of this phase: what is done, and the whole when known (the operations waiting to be
    /// pushed, those the server says remain to pull, a snapshot file's size).
    public var done: Int64 = 0
    public var total: Int64? = nil
    public var unit: Unit = .operations

    public init(phase: Phase, pushed: Int, pulled: Int, batches: Int, done: Int64 = 0, total: Int64? = nil, unit: Unit = .operations) {
        self.phase = phase
        self.pushed = pushed
        self.pulled = pulled
        self.batches = batches
        self.done = done
        self.total = total
        self.unit = unit
    }
}
