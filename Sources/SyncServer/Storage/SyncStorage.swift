import SyncCore
/// Where the server keeps its state: the operation log, the materialised state (the same merge
/// core as every replica), the visibility grants and the tokens.
///
/// The HTTP layer and the admin commands only talk to this protocol, so a PostgreSQL store can
/// slot in beside `SQLiteSyncStorage`. Implementations must make `push` atomic (a batch is
/// stored entirely or not at all) and decide access through `AccessPolicy` so that every store
/// applies the same rules.
public protocol SyncStorage: TokenStore {
    /// What the store replicates: pushed operations are validated against its catalog, and
    /// clients learn its version (`/v1/version`, digests) to tell an older or newer schema.
    var schema: SyncSchema { get }

    /// Judges every operation of a batch, stores the accepted ones in one transaction, and
    /// answers which were acknowledged and which rejected (and why). Idempotent: a retried
    /// batch stores nothing new and gets the same answer.
    /// Throws `SyncError(.forbidden)` when the replica belongs to another member.
    func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64) async throws -> PushOutcome

    /// The next page of what `principal` may see after `cursor` (see `PullCursor`): at most
    /// `limit` operations, an entity's earlier history included when it became visible since.
    /// With `bounded` false (protocol 1 clients), a replay begun is finished beyond `limit` and
    /// the cursor stays a plain position.
    /// Throws `SyncError(.conflict)` when `cursor` is beyond the end of the log.
    func pull(as principal: Principal, after cursor: PullCursor, limit: Int, bounded: Bool) async throws -> PullPage

    /// The next page of a snapshot of everything `principal` may see (`cursor` nil: a new one,
    /// at the current end of the log): whole entities, in entity order, about `limit`
    /// operations. With `entities`, those of them `principal` may see, in one page (repair).
    /// Throws `SyncError(.conflict)` when the cursor's position is beyond the end of the log.
    func snapshot(as principal: Principal, after cursor: SnapshotCursor?, limit: Int, entities: [EntityKey]?) async throws -> SnapshotPage

    /// The hash of each entity `principal` may see whose digest bucket is in `buckets` (hex of
    /// the 32-byte sum of its merge rows' hashes): where a replica's digest differs, these say
    /// which entities differ (`field repair`).
    func entityHashes(as principal: Principal, buckets: Set<Int>) async throws -> [EntityKey: String]

    /// A snapshot file of everything `principal` may see (`id` nil: made for the current end of
    /// the log, or the one already made for it; else the file `id` if it is still kept). Nil
    /// when the store keeps no files (in memory) or `id` is gone.
    func snapshotFile(as principal: Principal, id: String?) async throws -> SQLiteSyncStorage.SnapshotFile?

    /// The digest of exactly the entities `principal` may see.
    func digest(as principal: Principal, listEntities: Bool) async throws -> DigestReport

    /// The identity of the store's log: made with the store, made anew by a restore
    /// (`syncserver restore`, `syncserver renew-epoch`). Sent on every sync answer
    /// (`CivicSync-Epoch`); a replica that meets another epoch pushes its operations again and
    /// pulls from the start.
    var epoch: String { get }

    /// What the store holds of `replica`'s own operations (its highest counter and latest
    /// timestamp, the fingerprints of `counters`) and the epoch. Throws `SyncError(.forbidden)` when the replica pushes for
    /// another member than `principal`.
    func replicaStatus(_ replica: ReplicaID, as principal: Principal, fingerprintsOf counters: [Int64]) async throws -> ReplicaStatus

    /// The attachment record of `sha256` on an entity `principal` may see (nil: none names it,
    /// or none of those is visible to `principal`).
    func attachment(_ sha256: String, as principal: Principal) async throws -> AttachmentRecord?

    /// Every record of `sha256` on entities `principal` may see.
    func attachments(_ sha256: String, as principal: Principal) async throws -> [AttachmentRecord]

    /// The reforms headquarters published on the public page (`/reforms`).
    func publishedReforms() async throws -> [PublicReform]

    /// Signalled whenever operations are stored (on PostgreSQL: by any instance), for pulls
    /// that wait for news (`GET /v1/pull?wait=`).
    var changes: ChangeFeed { get }

    /// Which store this is: "sqlite" or "postgresql" (for `/v1/health` and messages).
    var storeKind: String { get }

    /// Where dashboard sessions are shared between instances (nil: in each server's memory).
    var dashboardSessionStore: (any DashboardSessionStore)? { get }

    /// Throws when the store cannot serve (for `/v1/health`).
    func checkHealth() async throws

    /// One headquarters report (nil: every report) for `filter`, rendered by SyncCore as JSON
    /// or CSV from the merged state in one read transaction: the text `field report` prints on
    /// an HQ replica that has the same operations. A PostgreSQL store must give the
    /// same text (it can run the same queries over its materialised tables).
    func report(_ name: HQReportName?, as format: HQReportFormat, filter: HQReports) async throws -> String

    /// Everything the HQ dashboard shows (every report, filter choices, visible conflicts),
    /// read in one transaction.
    func dashboard(_ request: DashboardRequest) async throws -> DashboardSnapshot
}

/// Where tokens are kept: every store, and on its own the PostgreSQL database (the admin
/// commands issue and revoke tokens there without a working copy).
public protocol TokenStore: Sendable {
    /// Stores a new token. With `onlyIfNoActiveHQ`, refuses (returns false) when an unrevoked
    /// HQ token exists, atomically with the insert (bootstrap runs once).
    func insertToken(_ record: TokenRecord, onlyIfNoActiveHQ: Bool) async throws -> Bool
    /// The token with this SHA-256 hash, revoked or not.
    func token(hash: String) async throws -> TokenRecord?
    /// Every token, oldest first.
    func tokens() async throws -> [TokenRecord]
    /// Revokes the matching unrevoked tokens and returns them.
    func revokeTokens(_ selector: TokenSelector, at milliseconds: Int64) async throws -> [TokenRecord]

}

extension SyncStorage {
    public var dashboardSessionStore: (any DashboardSessionStore)? { nil }
}

/// A push as the storage sees it (the parsed body: the pushing replica and its operations).
public typealias PushBatch = PushBody

/// Which tokens an admin command acts on.
public enum TokenSelector: Sendable, Equatable {
    case id(String)
    case member(String)
}
