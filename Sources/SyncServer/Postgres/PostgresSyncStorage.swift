import Foundation
import GRDB
import Logging
import PostgresNIO
import SyncCore

/// The PostgreSQL store: several `syncserver serve` instances on one PostgreSQL database.
///
/// The database holds the records: the journal of every change (`JournalEntry`: accepted
/// operations and the bookkeeping of each push), the tokens and the dashboard sessions. Each
/// instance records the journal, in position order, into a working copy of its own (an
/// embedded `SQLiteSyncStorage` in its data directory), and serves pulls, digests and reports
/// from it after catching up with the journal's head. So every instance runs the one merge
/// core, access rules and report code that the embedded server runs, and reports print the
/// same bytes.
///
/// A push takes the journal lock, catches its working copy up, judges the push there, appends
/// the changes as the next entry and commits it in PostgreSQL, and only then commits the
/// working copy: an acknowledged push is durable in the database, and if the append fails the
/// working copy forgets the push too. The working copy is disposable: a missing or foreign one
/// is rebuilt from the journal at start.
///
/// A class because it owns the connection pool and the instance's lock on its data directory.
public final class PostgresSyncStorage: SyncStorage {
    public let journal: PostgresJournal
    /// This instance's working copy of the database's state.
    public let local: SQLiteSyncStorage
    /// Names this instance in the journal, logs, metrics and `/v1/health`.
    public let instance: String
    /// The database's epoch, read at start (`syncserver renew-epoch` needs a restart to show).
    public let epoch: String
    let follower: JournalFollower
    let wallClock: any WallClock
    private let pushGroup: PushGroup
    private let directoryLock: DirectoryLock

    /// The working copy's directory inside the data directory.
    public static let workingCopyDirectory = "postgres-working-copy"

    /// Connects, migrates the schema (or, with `migrate` false, checks it is this build's),
    /// opens or rebuilds the working copy in `directory`, and catches it up with the journal.
    public static func open(url: DatabaseURL, directory: String, instance: String, migrate: Bool = true,
                            wallClock: any WallClock = SystemWallClock(), ids: any IDSource = SystemIDSource(),
                            policy: AccessPolicy = AccessPolicy(),
                            quota: UsageQuota = .standard, schema: SyncSchema = .civic, maximumConnections: Int = 8,
                            logger: Logger = Logger(label: "civicsync.postgres")) async throws -> PostgresSyncStorage {
        let journal = PostgresJournal(url: url, maximumConnections: maximumConnections, logger: logger)
        do {
            if migrate { try await journal.migrate() } else { try await journal.checkSchema() }
            let storeID = try await journal.storeID()
            let epoch = try await journal.epoch(new: SQLiteSyncStorage.newEpoch(ids))
            let folder = (directory as NSString).appendingPathComponent(workingCopyDirectory)
            let lock = try DirectoryLock(directory: folder)
            let local = try await openWorkingCopy(folder, storeID: storeID, journal: journal, wallClock: wallClock,
                                                  policy: policy, quota: quota, schema: schema, logger: logger)
            let storage = try PostgresSyncStorage(journal: journal, local: local, instance: instance, epoch: epoch,
                                                  wallClock: wallClock, lock: lock)
            try await storage.catchUp()
            return storage
        } catch {
            journal.shutdown()
            throw error
        }
    }

    private init(journal: PostgresJournal, local: SQLiteSyncStorage, instance: String, epoch: String,
                 wallClock: any WallClock, lock: DirectoryLock) throws {
        self.journal = journal
        self.epoch = epoch
        self.local = local
        self.instance = instance
        self.wallClock = wallClock
        directoryLock = lock
        let follower = JournalFollower(journal: journal, local: local, recorded: try local.journalMark()?.position ?? 0)
        self.follower = follower
        pushGroup = PushGroup { group in
            await Self.write(group, journal: journal, local: local, follower: follower, instance: instance, wallClock: wallClock)
        }
    }

    /// Closes the connection pool.
    public func close() { journal.shutdown() }

    /// Shares `limiter` among the live instances: every `interval` this instance says it is
    /// alive (`civicsync_instances`) and gives the limiter its share, one over the instances
    /// seen in the last three intervals. Cancel the task to stop (the instance then leaves, so
    /// the others' shares grow at once). A heartbeat that fails keeps the last share.
    public func shareRateLimit(_ limiter: RateLimiter, every interval: Duration = .seconds(10)) -> Task<Void, Never> {
        let journal = self.journal, instance = self.instance, wallClock = self.wallClock
        let window = max(3, Int64((interval / .milliseconds(1)) * 3))
        return Task {
            while !Task.isCancelled {
                if let live = try? await journal.heartbeat(instance: instance, at: wallClock.nowMilliseconds(), window: window) {
                    await limiter.setShare(live)
                }
                try? await Task.sleep(for: interval)
            }
            // Outside this cancelled task: a cancelled task's queries are refused by the pool.
            await Task.detached { await journal.leave(instance: instance) }.value
        }
    }

    /// Wakes this instance's waiting pulls (`GET /v1/pull?wait=`) whenever any instance appends
    /// to the journal (its `NOTIFY`), until the task is cancelled. Holds one connection of the
    /// pool while it runs; after a lost connection it listens again a second later (and wakes
    /// the waiting pulls then, since an append may have gone unheard meanwhile).
    public func relayJournalNotifications() -> Task<Void, Never> {
        let journal = self.journal, feed = changes, logger = journal.logger
        return Task {
            while !Task.isCancelled {
                do {
                    try await journal.listenForAppends { feed.signal() }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("not hearing other instances' pushes for now (their pulls still see them)",
                                   metadata: ["error": .string(String(describing: error))])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Opens the working copy in `folder` if it follows this database and its last entry is
    /// still the database's; otherwise starts a new one (the old one is removed).
    private static func openWorkingCopy(_ folder: String, storeID: String, journal: PostgresJournal, wallClock: any WallClock,
                                        policy: AccessPolicy, quota: UsageQuota, schema: SyncSchema,
                                        logger: Logger) async throws -> SQLiteSyncStorage {
        let path = (folder as NSString).appendingPathComponent(SQLiteSyncStorage.fileName)
        if FileManager.default.fileExists(atPath: path) {
            var reusable = false
            var why = "it is not a working copy"
            if let mark = try? Self.readMark(path) {
                if mark.storeID != storeID {
                    why = "it follows another database"
                } else if mark.position == 0 {
                    reusable = true
                } else if try await journal.chain(at: mark.position) == mark.chain {
                    reusable = true
                } else {
                    why = "the database's journal no longer has its entry \(mark.position) (restored from a backup?)"
                }
            }
            if reusable {
                return try SQLiteSyncStorage.open(directory: folder, wallClock: wallClock, policy: policy, quota: quota, schema: schema)
            }
            logger.notice("rebuilding the working copy from the journal", metadata: ["path": .string(path), "why": .string(why)])
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            SQLiteSyncStorage.removeSnapshots(inDataDirectory: folder)
        }
        let local = try SQLiteSyncStorage.open(directory: folder, wallClock: wallClock, policy: policy, quota: quota, schema: schema)
        try local.beginFollowing(storeID: storeID)
        return local
    }

    /// The mark of the working copy at `path`, read without opening it for writing.
    private static func readMark(_ path: String) throws -> SQLiteSyncStorage.JournalMark? {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in try SQLiteSyncStorage.journalMark(db) }
    }

    public var schema: SyncSchema { local.schema }
    public var storeKind: String { "postgresql" }
    public var changes: ChangeFeed { local.changes }
    public var dashboardSessionStore: (any DashboardSessionStore)? { journal }

    /// Records what other instances appended since this one last looked.
    public func catchUp() async throws {
        let head = try await journal.head()
        try await follower.catchUp(to: head.position)
    }

    // MARK: - SyncStorage

    public func push(_ batch: PushBatch, as principal: Principal, receivedAt: Int64) async throws -> PushOutcome {
        let outcome = try await SQLiteSyncStorage.wrapAsync {
            try await pushGroup.submit(batch, as: principal, receivedAt: receivedAt) { batch, principal, receivedAt, db in
                try self.local.push(batch, as: principal, receivedAt: receivedAt, db)
            }
        }
        // Other instances hear of it through the journal's NOTIFY (`relayJournalNotifications`).
        if outcome.applied > 0 { changes.signal() }
        return outcome
    }

    /// Writes one group of pushes: under the journal lock, the working copy catches up, judges
    /// and records each push, and appends their changes as the next entry, committed in
    /// PostgreSQL before the working copy commits.
    private static func write(_ group: [PushGroup.Job], journal: PostgresJournal, local: SQLiteSyncStorage,
                              follower: JournalFollower, instance: String,
                              wallClock: any WallClock) async -> [Result<PushOutcome, any Error>] {
        do {
            return try await underJournalLock(journal, follower) { connection, head in
                await PushGroup.write(group, local.writer) { changes, db in
                    let kept = changes.filter { !$0.isEmpty }
                    guard !kept.isEmpty else { return }
                    try Self.append(kept, after: head, journal: journal, instance: instance, wallClock: wallClock,
                                    connection: connection, db)
                }
            }
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    /// Runs `body` under the journal lock with the working copy caught up to the head, then
    /// reads back how far the working copy got: only what it committed counts (its commit may
    /// fail after an append), whether `body` succeeded or not.
    private static func underJournalLock<T: Sendable>(
        _ journal: PostgresJournal, _ follower: JournalFollower,
        _ body: @Sendable (PostgresConnection, PostgresJournal.Head) async throws -> T
    ) async throws -> T {
        let result = await Result {
            try await journal.withJournalLock { connection, head in
                try await follower.catchUp(to: head.position, connection: connection)
                return try await body(connection, head)
            }
        }
        try? await follower.refresh()
        return try result.get()
    }

    /// Appends `changes` as the entry after `head` and moves the working copy's mark to it, in
    /// the working copy's open transaction.
    private static func append(_ changes: [StoreChange], after head: PostgresJournal.Head, journal: PostgresJournal,
                               instance: String, wallClock: any WallClock, connection: PostgresConnection,
                               _ db: Database) throws {
        guard let mark = try SQLiteSyncStorage.journalMark(db), mark.position == head.position else {
            throw SyncError(.storage, "the working copy is not at the journal's head; nothing was stored")
        }
        let entry = JournalEntry(position: head.position + 1, changes: changes, previousChain: head.chain)
        try journal.appendAndCommit(entry, instance: instance, at: wallClock.nowMilliseconds(), on: connection)
        try SQLiteSyncStorage.setJournalMark(.init(storeID: mark.storeID, position: entry.position, chain: entry.chain), db)
    }

    public func pull(as principal: Principal, after cursor: PullCursor, limit: Int, bounded: Bool) async throws -> PullPage {
        try await catchUp()
        return try await local.pull(as: principal, after: cursor, limit: limit, bounded: bounded)
    }

    public func replicaStatus(_ replica: ReplicaID, as principal: Principal, fingerprintsOf counters: [Int64]) async throws -> ReplicaStatus {
        try await catchUp()
        return try await SQLiteSyncStorage.wrapAsync {
            try await local.writer.read { db in
                try self.local.replicaStatus(replica, as: principal, epoch: self.epoch, fingerprintsOf: counters, db)
            }
        }
    }

    public func snapshot(as principal: Principal, after cursor: SnapshotCursor?, limit: Int,
                         entities: [EntityKey]?) async throws -> SnapshotPage {
        try await catchUp()
        return try await local.snapshot(as: principal, after: cursor, limit: limit, entities: entities)
    }

    public func snapshotFile(as principal: Principal, id: String?) async throws -> SQLiteSyncStorage.SnapshotFile? {
        if id == nil { try await catchUp() }
        return try await local.snapshotFile(as: principal, id: id, epoch: epoch)
    }

    public func publishedReforms() async throws -> [PublicReform] {
        try await catchUp()
        return try await local.publishedReforms()
    }

    public func attachments(_ sha256: String, as principal: Principal) async throws -> [AttachmentRecord] {
        try await catchUp()
        return try await local.attachments(sha256, as: principal)
    }

    public func attachment(_ sha256: String, as principal: Principal) async throws -> AttachmentRecord? {
        try await catchUp()
        return try await local.attachment(sha256, as: principal)
    }

    public func entityHashes(as principal: Principal, buckets: Set<Int>) async throws -> [EntityKey: String] {
        try await catchUp()
        return try await local.entityHashes(as: principal, buckets: buckets)
    }

    public func digest(as principal: Principal, listEntities: Bool) async throws -> DigestReport {
        try await catchUp()
        return try await local.digest(as: principal, listEntities: listEntities)
    }

    public func report(_ name: HQReportName?, as format: HQReportFormat, filter: HQReports) async throws -> String {
        try await catchUp()
        return try await local.report(name, as: format, filter: filter)
    }

    public func dashboard(_ request: DashboardRequest) async throws -> DashboardSnapshot {
        try await catchUp()
        return try await local.dashboard(request)
    }

    public func checkHealth() async throws {
        try await journal.ping()
        try await local.checkHealth()
    }

    // MARK: - Imports

    /// Imports operations as the administrator (`syncserver generate`): one journal entry per
    /// batch, recorded like a push's. Returns how many operations were new.
    @discardableResult
    public func importOperations(_ batch: PreparedBatch) async throws -> Int {
        let local = self.local, journal = self.journal, instance = self.instance, wallClock = self.wallClock
        return try await Self.underJournalLock(journal, follower) { connection, head in
            try await SQLiteSyncStorage.wrapAsync {
                try await local.writer.write { db -> Int in
                    let count = try local.importOperations(batch, db)
                    guard count > 0 else { return 0 }
                    try Self.append([StoreChange(operations: batch.source)], after: head, journal: journal, instance: instance,
                                    wallClock: wallClock, connection: connection, db)
                    return count
                }
            }
        }
    }

    /// Generates `generator`'s data set into the database, one journal entry per batch; the
    /// next batch is generated and prepared on another thread while one is written.
    public func loadDataSet(_ generator: DataSetGenerator, batchSize: Int = SQLiteSyncStorage.loadBatchSize,
                            progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> DataSetSummary {
        let store = local.store
        return try await Blocking.onThread {
            let pipeline = LoadPipeline<PreparedBatch, DataSetSummary>(capacity: 2) { put in
                try generator.generate(batchSize: batchSize) { batch in try put(try store.prepare(batch)) }
            }
            var handled = 0
            return try pipeline.drain { batch in
                _ = try Blocking.wait { try await self.importOperations(batch) }
                handled += batch.count
                progress(handled)
            }
        }
    }

    /// Operations in the database (as of the journal's head).
    public func storedOperationCount() async throws -> Int {
        try await catchUp()
        return try local.operationCount()
    }
}
