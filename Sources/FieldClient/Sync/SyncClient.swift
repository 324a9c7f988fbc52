import Crypto
import Foundation
import GRDB
import SyncCore

/// Offline-first synchronisation of one replica with the server: push what waits, pull until
/// caught up, then compare digests.
///
/// Safe to interrupt anywhere: acknowledgements are saved after the server stored the batch
/// (a re-push is idempotent), and each pulled batch is applied in the same transaction as the
/// cursor that follows it, so a resumed sync neither skips nor doubles anything.
///
/// Time is part of the protocol: every answer carries the server's clock, and the replica
/// stores its offset to it, so it dates its operations with the server's time (see
/// docs/ARCHITECTURE.md, "Clocks"). Operations the server refuses because of time are never
/// final: they wait, are re-dated with the corrected clock, and go again.
public struct SyncClient: Sendable {
    /// The wire protocol this client speaks (header `CivicSync-Protocol`).
    public static let protocolVersion = 2
    /// The longest wait the client sits through when the server asks it to slow down (429);
    /// longer waits end the sync with `SyncError(.throttled)`, nothing lost.
    public static let longestPoliteWaitSeconds = 30

    public let store: ReplicaStore
    public let transport: any SyncTransport
    public let settings: SyncSettings
    let wallClock: any WallClock
    /// The replica file's lock (`<replica>-sync.lock`): one sync at a time per replica; nil in memory.
    let lockPath: String?
    /// Where the replica keeps attachments' bytes (nil: in memory, none).
    var attachmentsDirectory: String? { lockPath.map { $0 + ".attachments" } }
    /// Waits between retries; injected so tests need not sleep.
    let pause: @Sendable (Int) async -> Void
    /// The best clock sample of this sync (smallest round trip).
    private let samples = ClockSamples()
    /// Whether the server said it reads gzip request bodies (`Accept-Encoding` on its answers).
    private let serverReadsGzip = ServerCodings()
    /// Request bodies shorter than this go uncompressed.
    static let compressFromBytes = 1_024

    public init(store: ReplicaStore, transport: any SyncTransport, settings: SyncSettings, wallClock: any WallClock,
                lockPath: String? = nil,
                pause: @escaping @Sendable (Int) async -> Void = { milliseconds in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, milliseconds)) * 1_000_000)
                }) {
        self.lockPath = lockPath
        self.store = store
        self.transport = transport
        self.settings = settings
        self.wallClock = wallClock
        self.pause = pause
    }

    /// Runs a full sync. Throws `SyncError(.unreachable)` when the server cannot be reached
    /// (the replica is unchanged apart from what earlier batches completed).
    ///
    /// When the server asks to wait before taking more pushes (a daily quota), the sync still
    /// pulls and compares digests; `report.throttled` says why the waiting changes stay waiting.
    public func sync(progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws -> SyncReport {
        let lock = try SyncLock.acquire(for: lockPath)
        defer { lock?.release() }
        return try await syncHoldingLock(progress: progress)
    }

    /// `sync` for a caller that holds the replica's sync lock (`watch`).
    func syncHoldingLock(progress: (@Sendable (SyncProgress) -> Void)?) async throws -> SyncReport {
        // A watch syncs again after each reconnection: its clock is measured anew each time.
        await samples.reset()
        var report = SyncReport()
        try await greet(&report)
        do {
            try await push(&report, progress: progress)
        } catch let error as SyncError where error.code == .throttled {
            report.throttled = error.message
        }
        try await pull(&report, progress: progress)
        // Files after the operations: the server must know the operation naming each. A problem
        // with one file never stops the sync (it stays waiting and says why).
        try await uploadAttachments(&report, progress: progress)
        progress?(SyncProgress(phase: .verify, pushed: report.pushed, pulled: report.pulled, batches: report.batches))
        let (digest, serverSchema) = try await serverDigestAndSchema()
        report.serverDigest = digest
        try await saveClockOffset()
        report.digest = try await store.writer.read { db in try store.stateDigest(db).root }
        report.conflicts = try await store.writer.read { db in try store.conflicts(db).count }
        if let serverSchema, serverSchema != store.schema.version {
            // Digests hash the materialised tables, which differ between schema versions.
            report.converged = nil
            report.schemaNote = serverSchema > store.schema.version
                ? "the server runs schema version \(serverSchema), this replica \(store.schema.version): operations it does not know are kept, held, until `field` is upgraded; digests compare at the same version"
                : "the server runs schema version \(serverSchema), older than this replica's \(store.schema.version): changes to what it does not know wait until it is upgraded"
        } else {
            report.converged = report.serverDigest == report.digest
        }
        report.waiting = try await store.writer.read { db in try store.countWaiting(db) }
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        let now = wallClock.nowMilliseconds()
        try await store.writer.write { db in try SyncSettingsTable.saveFinished(milliseconds: now, reportJSON: json, db) }
        return report
    }

    // MARK: Epoch and counter

    /// Asks the server what it holds of this replica (`GET /v1/replicas/{id}`) before anything
    /// else: the counter and clock move past its highest stored operation of this replica (a file
    /// restored from an old copy of itself), and when the server's epoch is not the one this
    /// replica synced with (the server was restored from a backup, or it is another server),
    /// every operation of this replica's own goes again and the pull starts from the beginning.
    /// A server that does not answer this route (an older one) is synced with as before.
    func greet(_ report: inout SyncReport) async throws {
        let answer: Answer
        do {
            answer = try await call("GET", "/v1/replicas/\(store.replicaID.rawValue)", body: nil)
        } catch let error as SyncError where error.code == .malformed && error.message.contains("(404 not_found)") {
            return
        }
        guard let object = answer.json.objectValue, let epoch = object["epoch"]?.stringValue, !epoch.isEmpty,
              let highest = object["highestCounter"]?.intValue, highest >= 0 else {
            throw SyncError(.server, "the server's answer about this replica is not understood")
        }
        let latest = object["latestTimestamp"]?.stringValue.flatMap(HLCTimestamp.init)
        // Unsent operations of this replica numbered within what the server holds of it (a file
        // restored from an old copy of itself): the server says what it holds under those ids.
        // The same content is stored already; another content means the id was used again, and
        // the operation gets a new one before anything is sent.
        let own = replicaIDPrefix, mine = store.replicaID
        // The unsent ones come from the log's index of waiting operations (a few rows).
        let suspects = try await store.writer.read { db -> [(Int64, String)] in
            try String.fetchAll(db, sql: "SELECT op_id FROM oplog WHERE origin_local = 1 AND sync_state IN (0, 3) ORDER BY seq")
                .compactMap { text in
                    OperationID(text).flatMap { $0.replica == mine && $0.counter <= highest ? ($0.counter, text) : nil }
                }
        }
        var stored: [OperationID] = [], clashing: [OperationID] = []
        for start in stride(from: 0, to: suspects.count, by: 1_000) {
            let chunk = Array(suspects[start..<min(start + 1_000, suspects.count)])
            let asked = try await call("GET", "/v1/replicas/\(own)?counters=" + chunk.map { String($0.0) }.joined(separator: ","), body: nil)
            let held = asked.json.objectValue?["fingerprints"]?.objectValue ?? [:]
            let local = try await store.writer.read { db in
                try chunk.map { item in
                    try Row.fetchOne(db, sql: "SELECT * FROM oplog WHERE op_id = ?", arguments: [item.1]).map { try ReplicaStore.loggedOperation(fromRow: $0).operation }
                }
            }
            for (index, item) in chunk.enumerated() {
                guard let theirs = held[String(item.0)]?.stringValue, let mine = local[index] else { continue }
                // An operation the server compacted is known by the start of its fingerprint.
                let same = mine.fingerprint == theirs
                    || (theirs.count == ReplicaStore.compactedFingerprintLength && mine.fingerprint.hasPrefix(theirs))
                if same { stored.append(mine.id) } else { clashing.append(mine.id) }
            }
        }
        let held = stored, clashes = clashing
        let (moved, renumbered, resent) = try await store.writer.write { db -> (Bool, Int, Int?) in
            let moved = try store.adoptServerKnowledge(highestCounter: highest, latestTimestamp: latest, db)
            try store.markAcknowledged(held, db)
            let renumbered = try store.renumberLocalOperations(clashes, keeping: try SyncSettingsTable.allResent(db), db).count
            return (moved, renumbered, try SyncSettingsTable.adoptEpoch(epoch, store: store, at: wallClock.nowMilliseconds(), db))
        }
        report.counterAdvanced = moved
        report.renumbered += renumbered
        if let resent {
            report.epochChanged = true
            report.resent = resent
        }
    }

    /// This replica's id, as its operation ids begin.
    var replicaIDPrefix: String { store.replicaID.rawValue }

    // MARK: Push

    /// Pushes every waiting operation. An entity's operations travel together when they fit in
    /// one batch, its deciding fields first; an entity with more waiting operations than a
    /// batch holds goes over several batches, so the queue always moves.
    public func push(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        // Operations deferred by an earlier sync (the server's clock disagreed) go again.
        try await store.writer.write { db in try store.resumeDeferred(db) }
        let batchSize = max(1, settings.batchSize)
        /// What the server accepts in one request, once it said (413) that a request was too large.
        var hardLimit = Int.max
        var redated = false
        /// The server's time and tolerance from the last push that refused operations for time.
        var clockRefusal: (serverTime: Int64, maxAhead: Int64, offset: Int64)?
        let toPush = progress == nil ? 0 : Int64(try await store.writer.read { db in try store.countWaiting(db) })
        let pushedBefore = report.pushed
        while true {
            let (limit, hard) = (batchSize, hardLimit)
            let (waiting, resending) = try await store.writer.read { db in
                let batch = try store.waitingBatch(limit: limit, hardLimit: hard, firstFields: BatchFacts.decisiveFields,
                                                   dependencies: AccessPolicy.referencedEntities, db)
                return (batch, try !SyncSettingsTable.resent(among: batch.map(\.operation.id), now: wallClock.nowMilliseconds(), db).isEmpty)
            }
            if waiting.isEmpty {
                // Refused for time: learn the server's clock, re-date what was written while the
                // device ran ahead, and push once more.
                guard let clock = clockRefusal, !redated else { return }
                redated = true
                let ids = try await store.writer.write { db -> [OperationID] in
                    try store.setClockOffset(clock.offset, db)
                    return try store.redateLocalOperations(datedAfter: clock.serverTime + clock.maxAhead, db)
                }
                report.redated += ids.count
                if ids.isEmpty { return }
                continue
            }
            var body = "{\"replica\":"
            body += JSONValue.string(store.replicaID.rawValue).canonicalJSON
            body += ",\"operations\":["
            body += waiting.map(\.operation.canonicalJSON).joined(separator: ",")
            body += "]}"
            let answer: Answer
            do {
                answer = try await call("POST", "/v1/push", body: Data(body.utf8), headers: resending ? ["CivicSync-Resend": "1"] : [:])
            } catch let error as SyncError where error.code == .malformed && error.message.hasPrefix("413") && waiting.count > 1 {
                hardLimit = max(1, waiting.count / 2)   // the server's body or batch limit: send smaller requests
                continue
            }
            guard let object = answer.json.objectValue,
                  let acknowledged = object["acknowledged"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(OperationID.init) }),
                  let rejected = object["rejected"]?.arrayValue else {
                throw SyncError(.server, "the server's push answer is not understood")
            }
            let sent = Set(waiting.map(\.operation.id))
            var rejections: [(OperationID, SyncReport.Rejection)] = []
            var deferred: [(OperationID, String)] = []
            for item in rejected {
                guard let entry = item.objectValue, let idText = entry["id"]?.stringValue, let id = OperationID(idText), sent.contains(id) else { continue }
                let code = entry["code"]?.stringValue ?? "rejected"
                let reason = entry["reason"]?.stringValue ?? "no reason given"
                if code == "clock_ahead" || code == "schema_ahead" {
                    deferred.append((id, "\(code): \(reason)"))
                } else {
                    rejections.append((id, SyncReport.Rejection(id: idText, code: code, reason: reason)))
                }
            }
            if !deferred.isEmpty, let serverTime = object["serverTime"]?.intValue, let maxAhead = object["maxClockAheadMs"]?.intValue,
               ClockSamples.plausible.contains(serverTime), (0...86_400_000).contains(maxAhead),
               ClockSamples.plausible.contains(answer.sentAt), ClockSamples.plausible.contains(answer.receivedAt) {
                let offset = serverTime - (answer.sentAt + answer.receivedAt) / 2
                clockRefusal = (serverTime, maxAhead, offset)
            }
            let acked = acknowledged.filter(sent.contains)
            let answered = Set(acked).union(rejections.map(\.0)).union(deferred.map(\.0))
            guard answered == sent else {
                throw SyncError(.server, "the server answered a push of \(waiting.count) operations without a verdict for \(sent.subtracting(answered).count) of them")
            }
            let refused = rejections, deferredForTime = deferred, now = wallClock.nowMilliseconds()
            let (toReject, toDefer, renumbered) = try await store.writer.write { db -> ([(OperationID, SyncReport.Rejection)], [(OperationID, String)], Int) in
                try store.markAcknowledged(acked, db)
                try SyncSettingsTable.forgetResent(acked, db)
                // Sent again after the server was restored: it once stored them, so a refusal now
                // (what they depend on has not come back yet) waits for a later sync.
                let resent = try SyncSettingsTable.resent(among: refused.map(\.0), now: now, db)
                // Ids or timestamps the server holds for other operations of this replica: this
                // file was restored from an old copy of itself and used them again; they take
                // fresh ones and go again.
                let clashing = refused.filter { ["id_conflict", "hlc_reused"].contains($0.1.code) }.map(\.0)
                let renumbered = try store.renumberLocalOperations(clashing, keeping: try SyncSettingsTable.allResent(db), db).count
                let final = refused.filter { !resent.contains($0.0) && !clashing.contains($0.0) }
                var toDefer = deferredForTime
                for (id, rejection) in refused where resent.contains(id) && !clashing.contains(id) {
                    toDefer.append((id, "sent again after the server was restored; it refuses it for now (\(rejection.code): \(rejection.reason)); it goes again with the next sync"))
                }
                for (id, rejection) in final { try store.markRejected(id, reason: "\(rejection.code): \(rejection.reason)", db) }
                for (id, reason) in toDefer { try store.markDeferred(id, reason: reason, db) }
                return (final, toDefer, renumbered)
            }
            report.renumbered += renumbered
            report.pushed += waiting.count
            report.acknowledged += acked.count
            report.rejected += toReject.map(\.1)
            report.deferred += toDefer.count
            report.batches += 1
            progress?(SyncProgress(phase: .push, pushed: report.pushed, pulled: report.pulled, batches: report.batches,
                                   done: Int64(report.pushed - pushedBefore), total: max(toPush, Int64(report.pushed - pushedBefore))))
        }
    }

    // MARK: Pull

    /// Pulls from the saved cursor until the server says nothing more remains. The answer
    /// names the scope the token sees; when it is not the scope the cursor was reached with
    /// (a new token, a member moved to another branch), the pull starts again from the
    /// beginning so that everything the new scope may see arrives.
    /// `waitSeconds`: when nothing is new, the server holds the first request up to that long,
    /// answering as soon as something this replica may see is stored (live sync).
    public func pull(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?, waitSeconds: Int = 0) async throws {
        try await bootstrap(&report, progress: progress)
        do {
            try await pullFromCursor(&report, progress: progress, waitSeconds: waitSeconds)
        } catch let error as SyncError where error.code == .compacted && !report.rebootstrapped {
            // The server compacted what the pull needed: a snapshot again, then on from it.
            report.rebootstrapped = true
            guard try await bootstrap(&report, progress: progress, force: true) else {
                throw SyncError(.compacted, "the server compacted operations this replica still needs, and only a snapshot can bring them, but none could be taken (\(report.schemaNote ?? "the server offers none")): if the server and this replica run different schema versions, upgrade the older program; then run `field sync` again (nothing here is lost meanwhile)")
            }
            try await pullFromCursor(&report, progress: progress)
        }
    }

    private func pullFromCursor(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?, waitSeconds: Int = 0) async throws {
        let saved = try await store.writer.read { db in try SyncSettingsTable.load(db) }
        // The next page is fetched, decoded and prepared while this one is written (two cores);
        // it is only used once this one is stored with its cursor, so the order is unchanged.
        var prefetched: Task<PulledPage, any Error>?
        do {
            try await pullPages(saved, &prefetched, &report, progress: progress, waitSeconds: waitSeconds)
        } catch {
            // Let a request in flight end rather than cancel it (URLSession on Linux does not
            // take a cancelled task in flight well); its page is dropped.
            if let pending = prefetched {
                if Task.isCancelled { pending.cancel() } else { _ = await pending.result }
            }
            throw error
        }
    }

    private func pullPages(_ saved: SyncStateRecord, _ prefetched: inout Task<PulledPage, any Error>?,
                           _ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?, waitSeconds: Int) async throws {
        // The cursor is the server's opaque text (a plain position from earlier clients).
        var cursor = saved.cursorText ?? String(saved.cursor)
        var knownScope = saved.pullScope
        var waitSeconds = waitSeconds
        let pulledBefore = report.pulled
        while true {
            defer { waitSeconds = 0 }
            let page: PulledPage
            if let pending = prefetched {
                prefetched = nil
                // A task of its own does not inherit the sync's cancellation: pass it on.
                page = try await withTaskCancellationHandler { try await pending.value } onCancel: { pending.cancel() }
            } else {
                page = try await fetchPage(after: cursor, waitSeconds: waitSeconds)
            }
            let position = SyncSettingsTable.position(of: cursor) ?? 0
            if let scope = page.scope, scope != knownScope {
                // A replica that never recorded its scope (made before scopes were sent) adopts it.
                let restart = knownScope != nil && position != 0
                knownScope = scope
                let branch = try await store.writer.write { db -> String? in
                    try SyncSettingsTable.saveScope(scope, db)
                    if restart { try SyncSettingsTable.saveCursor("0", db) }
                    return try IdentityTable.adoptBranch(fromScope: scope, db)
                }
                if let branch { report.branchChanged = branch }
                if restart {
                    cursor = "0"
                    report.scopeChanged = true
                    continue
                }
            }
            let batch = try page.batch.get()
            let next = page.cursor
            guard next != cursor || !page.more else {
                throw SyncError(.server, "the server says more operations remain but did not advance the cursor (\(cursor))")
            }
            guard page.position >= position else { throw SyncError(.server, "the server moved the pull cursor backwards (\(cursor) → \(next))") }
            if page.more {
                let client = self
                prefetched = Task { try await client.fetchPage(after: next) }
            }
            let result = try await store.writer.write { db -> ApplyResult in
                // The server checked every operation against its schema; what this replica's
                // (older) schema does not know is kept, held, until this program is upgraded.
                let result = try store.apply(batch, db)
                try SyncSettingsTable.saveCursor(next, db)
                return result
            }
            cursor = next
            report.pulled += batch.count
            report.applied += result.applied.count
            report.held += result.held.count
            report.batches += 1
            progress?(SyncProgress(phase: .pull, pushed: report.pushed, pulled: report.pulled, batches: report.batches,
                                   done: Int64(report.pulled - pulledBefore), total: Int64(report.pulled - pulledBefore) + page.remaining))
            if !page.more { return }
        }
    }

    // MARK: Snapshot

    /// A new replica's first sync takes a snapshot instead of replaying the log: whole entities
    /// (log, merge state, materialised rows) page by page, each page stored with the snapshot's
    /// cursor in one transaction (an interrupted snapshot resumes), then the pull goes on from
    /// the position the snapshot started at. Only for a replica that holds nothing from anyone
    /// else yet, of the server's schema version; otherwise, and with servers that offer no
    /// snapshots, the pull replays the log as before.
    ///
    /// With `force` (the server compacted what the pull needs), a replica that holds operations
    /// takes a snapshot too: the snapshot's state replaces its own, and its operations the
    /// snapshot does not hold are merged again on top (see `ReplicaStore.importSnapshotFile`).
    /// Returns whether a snapshot was taken.
    @discardableResult
    func bootstrap(_ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?, force: Bool = false) async throws -> Bool {
        guard settings.snapshots || force else { return false }
        // Asked at every sync: the log is looked at only while the cursor is at the start.
        let (saved, fresh) = try await store.writer.read { db -> (SyncStateRecord, Bool) in
            let saved = try SyncSettingsTable.load(db)
            guard saved.snapshotCursor == nil, saved.cursor == 0, (saved.cursorText ?? "0") == "0" else { return (saved, false) }
            return (saved, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM oplog WHERE origin_local = 0)") == false)
        }
        var cursor = saved.snapshotCursor
        if cursor == nil {
            guard fresh || force else { return false }
        }
        if settings.snapshotFiles, cursor == nil || cursor!.hasPrefix(Self.fileCursorPrefix) {
            if try await bootstrapFromFile(resuming: cursor, &report, progress: progress) { return true }
            cursor = nil
        }
        var prefetched: Task<SnapshotPage, any Error>?
        do {
            return try await takeSnapshot(from: cursor, &prefetched, &report, progress: progress)
        } catch {
            // Let a request in flight end rather than cancel it (URLSession on Linux does not
            // take a cancelled task in flight well); its page is dropped.
            if let pending = prefetched {
                if Task.isCancelled { pending.cancel() } else { _ = await pending.result }
            }
            throw error
        }
    }

    /// The snapshot cursor while a snapshot file is being downloaded: `file:<id>`.
    static let fileCursorPrefix = "file:"

    /// Downloads the snapshot file in chunks into `<replica>.snapshot` beside the replica (the
    /// download resumes after an interruption while the server keeps the file), checks its
    /// SHA-256, and takes it in (`ReplicaStore.importSnapshotFile`) with the pull cursor in the
    /// same transaction. False when the server makes no snapshot files (then JSON pages).
    func bootstrapFromFile(resuming cursor: String?, _ report: inout SyncReport,
                           progress: (@Sendable (SyncProgress) -> Void)?) async throws -> Bool {
        let fileManager = FileManager.default
        let replicaPath = store.writer.path
        // Beside the replica's file; a replica in memory downloads into a temporary file of its own.
        let partial = (replicaPath.isEmpty || replicaPath == ":memory:")
            ? (NSTemporaryDirectory() as NSString).appendingPathComponent("civicsync-\(store.replicaID.rawValue)-\(ObjectIdentifier(store).hashValue).snapshot")
            : replicaPath + ".snapshot"
        var id = cursor.map { String($0.dropFirst(Self.fileCursorPrefix.count)) }
        if id == nil { try? fileManager.removeItem(atPath: partial) }
        if !fileManager.fileExists(atPath: partial) {
            guard fileManager.createFile(atPath: partial, contents: nil) else {
                throw SyncError(.storage, "cannot write the snapshot beside the replica (\(partial))")
            }
        }
        defer { if id == nil { try? fileManager.removeItem(atPath: partial) } }
        var offset = (try? fileManager.attributesOfItem(atPath: partial)[.size] as? NSNumber)?.int64Value ?? 0
        var total: Int64 = 0, position: Int64 = 0, expected = ""
        // Behind a load balancer without sticky sessions each chunk may reach another instance,
        // which keeps other files: after two restarts, the snapshot comes as JSON pages instead.
        var restarts = 0
        // Hashed as it arrives (what a resumed download already holds first).
        var hasher = SHA256()
        if offset > 0 {
            guard let handle = FileHandle(forReadingAtPath: partial) else { throw SyncError(.storage, "cannot read \(partial)") }
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            try handle.close()
        }
        while true {
            var path = "/v1/snapshot/file?offset=\(offset)&length=\(max(1, settings.snapshotChunkBytes))"
            if let id { path += "&id=" + id }
            let response: TransportResponse
            do {
                response = try await fetchBytes(path)
            } catch let error as SyncError where error.code == .malformed && error.message.contains("(400 invalid_parameter)") && offset > 0 {
                // What this replica holds of the file is longer than the file: start again.
                restarts += 1
                id = nil
                if restarts > 2 {
                    try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
                    return false
                }
                try? fileManager.removeItem(atPath: partial)
                _ = fileManager.createFile(atPath: partial, contents: nil)
                offset = 0
                hasher = SHA256()
                continue
            } catch let error as SyncError where error.code == .malformed && error.message.contains("(404 ") {
                if id == nil { return false }      // no snapshot files here: JSON pages
                restarts += 1
                if restarts > 2 {
                    id = nil
                    try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
                    return false
                }
                id = nil                           // the file is gone: start a new one
                try? fileManager.removeItem(atPath: partial)
                _ = fileManager.createFile(atPath: partial, contents: nil)
                offset = 0
                hasher = SHA256()
                continue
            }
            if let version = response.headers["civicsync-snapshot-schema-version"].flatMap(Int.init), version != store.schema.version {
                // Tables of another schema version would not fit this file's: replay the log.
                try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
                id = nil
                return false
            }
            guard let fileID = response.headers["civicsync-snapshot-id"], let bytes = response.headers["civicsync-snapshot-bytes"].flatMap(Int64.init),
                  let at = response.headers["civicsync-snapshot-position"].flatMap(Int64.init),
                  let sha = response.headers["civicsync-snapshot-sha256"] else {
                throw SyncError(.server, "the server's snapshot file answer lacks its id, size, position or hash")
            }
            if id == nil || id != fileID {
                if offset > 0 { // another file than the one begun: start over
                    try? fileManager.removeItem(atPath: partial)
                    _ = fileManager.createFile(atPath: partial, contents: nil)
                    offset = 0
                    hasher = SHA256()
                    id = fileID
                    continue
                }
                id = fileID
                let text = Self.fileCursorPrefix + fileID
                try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(text, db) }
            }
            total = bytes; position = at; expected = sha
            guard let handle = FileHandle(forWritingAtPath: partial) else { throw SyncError(.storage, "cannot write \(partial)") }
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: response.body)
            try handle.close()
            hasher.update(data: response.body)
            offset += Int64(response.body.count)
            report.batches += 1
            progress?(SyncProgress(phase: .snapshot, pushed: report.pushed, pulled: 0, batches: report.batches,
                                   done: offset, total: total, unit: .bytes))
            if offset >= total || response.body.isEmpty { break }
        }
        let received = hasher.finalize().hexText
        guard offset == total, received == expected else {
            id = nil
            try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
            throw SyncError(.server, "the snapshot file arrived damaged (size or SHA-256 differs); run `field sync` again")
        }
        let imported: ReplicaStore.SnapshotFileImport
        do {
            imported = try store.importSnapshotFile(partial) { db, imported in
                if !imported.scope.isEmpty { try SyncSettingsTable.saveScope(imported.scope, db) }
                try SyncSettingsTable.saveSnapshotCursor(nil, finishedAt: position, db)
            }
        } catch let error as SyncError where error.code == .incompatibleReplica || error.code == .malformed {
            // A file this replica cannot take (another schema version): replay the log instead.
            id = nil
            try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
            report.schemaNote = "the snapshot could not be taken (\(error.message)); the first sync replays the log instead"
            return false
        }
        id = nil
        report.snapshotEntities += imported.entities
        report.snapshotOperations += imported.operations
        return true
    }

    /// Returns whether the snapshot was taken (false: the server offers none, or of another
    /// schema version). A snapshot the server compacted under begins again, once.
    private func takeSnapshot(from start: String?, _ prefetched: inout Task<SnapshotPage, any Error>?,
                              _ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws -> Bool {
        var cursor = start
        var restarted = false
        while true {
            let page: SnapshotPage
            do {
                if let pending = prefetched {
                    prefetched = nil
                    page = try await withTaskCancellationHandler { try await pending.value } onCancel: { pending.cancel() }
                } else {
                    page = try await fetchSnapshotPage(after: cursor)
                }
            } catch let error as SyncError where error.code == .malformed && error.message.contains("(404 not_found)") {
                return false // a server without snapshots: the pull replays the log
            } catch let error as SyncError where error.code == .conflict {
                // The server's log no longer reaches the snapshot's start, or it compacted since
                // the snapshot began: begin again.
                try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
                guard !restarted, cursor != nil else { throw error }
                restarted = true
                cursor = nil
                continue
            }
            guard page.schemaVersion == store.schema.version else {
                // Rows of another schema version would not fit this file's tables: replay instead.
                try await store.writer.write { db in try SyncSettingsTable.saveSnapshotCursor(nil, db) }
                report.schemaNote = "the server runs schema version \(page.schemaVersion), this replica \(store.schema.version): the first sync replays the log instead of taking a snapshot"
                return false
            }
            if page.more {
                let client = self, next = page.cursor
                prefetched = Task { try await client.fetchSnapshotPage(after: next) }
            }
            let entities = try page.entities.get()
            let imported = try await store.writer.write { db -> ReplicaStore.SnapshotImport in
                // Added to this replica's own: entities the snapshot does not cover keep theirs.
                let imported = try store.importSnapshots(entities.snapshots, compactedRanges: entities.compactedRanges, db)
                if let scope = page.scope { try SyncSettingsTable.saveScope(scope, db) }
                try SyncSettingsTable.saveSnapshotCursor(page.more ? page.cursor : nil, finishedAt: page.more ? nil : page.position, db)
                return imported
            }
            cursor = page.cursor
            report.snapshotEntities += imported.entities
            report.snapshotOperations += entities.snapshots.reduce(0) { $0 + $1.operations.count }
            report.batches += 1
            progress?(SyncProgress(phase: .snapshot, pushed: report.pushed, pulled: report.snapshotOperations, batches: report.batches))
            if !page.more { return true }
        }
    }

    /// One page of a snapshot, read and checked (no database needed).
    struct SnapshotPage: Sendable {
        /// The entities, and the server's compacted ranges (first page only).
        var entities: Result<(snapshots: [EntitySnapshot], compactedRanges: [CompactedRange]), any Error>
        var cursor: String
        var position: Int64
        var more: Bool
        var scope: String?
        var schemaVersion: Int
    }

    func fetchSnapshotPage(after cursor: String?) async throws -> SnapshotPage {
        var path = "/v1/snapshot?limit=\(max(1, settings.snapshotLimit))"
        if let cursor {
            path += "&cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? cursor)
        }
        let answer = try await call("GET", path, body: nil)
        guard let object = answer.json.objectValue, let items = object["entities"]?.arrayValue,
              let next = object["cursor"]?.stringValue, let position = object["position"]?.intValue, position >= 0,
              let more = object["more"]?.boolValue, let version = object["schemaVersion"]?.intValue else {
            throw SyncError(.server, "the server's snapshot answer is not understood")
        }
        let schema = store.schema
        let ranges = object["compactedRanges"]?.arrayValue ?? []
        let entities = Result<(snapshots: [EntitySnapshot], compactedRanges: [CompactedRange]), any Error> {
            do {
                return (try items.map { try EntitySnapshot(wire: $0, schema: schema) }, try ranges.map(CompactedRange.init(wire:)))
            } catch {
                throw SyncError(.server, "the server sent a snapshot this client cannot read", cause: error)
            }
        }
        return SnapshotPage(entities: entities, cursor: next, position: position, more: more,
                            scope: object["scope"]?.stringValue, schemaVersion: Int(version))
    }

    /// One page of a pull, read and checked, its operations prepared for the merge.
    struct PulledPage: Sendable {
        /// Its operations prepared, or why they cannot be read (raised only if the page is used:
        /// a page of another scope is dropped unread).
        var batch: Result<PreparedBatch, any Error>
        var cursor: String
        var position: Int64
        var more: Bool
        var scope: String?
        /// What the server says remains after this page (0 from servers that do not say).
        var remaining: Int64 = 0
    }

    /// Asks for the page after `cursor` and reads it (no database needed).
    func fetchPage(after cursor: String, waitSeconds: Int = 0) async throws -> PulledPage {
        let query = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? cursor
        let wait = waitSeconds > 0 ? "&wait=\(waitSeconds)" : ""
        let answer = try await call("GET", "/v1/pull?cursor=\(query)&limit=\(max(1, settings.pullLimit))\(wait)", body: nil)
        guard let object = answer.json.objectValue,
              let items = object["operations"]?.arrayValue,
              let next = object["cursor"]?.stringValue ?? object["cursor"]?.intValue.map(String.init),
              let nextPosition = SyncSettingsTable.position(of: next),
              let more = object["more"]?.boolValue else {
            throw SyncError(.server, "the server's pull answer is not understood")
        }
        let batch = Result<PreparedBatch, any Error> {
            let operations: [SyncOperation]
            do {
                operations = try items.map(SyncOperation.init(wire:))
            } catch {
                throw SyncError(.server, "the server sent an operation this client cannot read", cause: error)
            }
            return try store.prepare(operations, holdingNewer: true)
        }
        return PulledPage(batch: batch, cursor: next, position: nextPosition, more: more, scope: object["scope"]?.stringValue,
                          remaining: object["remaining"]?.intValue ?? 0)
    }

    // MARK: Digest

    /// The server's digest over what this replica may see.
    public func serverDigest() async throws -> String {
        try await serverDigestAndSchema().digest
    }

    /// The server's digest and the version of its schema (nil from servers that do not say).
    func serverDigestAndSchema() async throws -> (digest: String, schemaVersion: Int?) {
        let answer = try await call("GET", "/v1/digest", body: nil)
        guard let object = answer.json.objectValue, let digest = object["digest"]?.stringValue else {
            throw SyncError(.server, "the server's digest answer is not understood")
        }
        return (digest, object["schemaVersion"]?.intValue.map(Int.init))
    }

    // MARK: Clock

    /// Stores the offset of the best sample of this sync (the one with the shortest round trip).
    func saveClockOffset() async throws {
        guard let best = await samples.best else { return }
        try await store.writer.write { db in try store.setClockOffset(best.offset, db) }
    }

    // MARK: HTTP with retries

    /// A parsed answer with the device-clock instants around it.
    struct Answer: Sendable {
        var json: JSONValue
        var sentAt: Int64
        var receivedAt: Int64
    }

    /// One request with retries on unreachable servers and 5xx answers; 4xx answers become
    /// `SyncError`s carrying the server's message. A short 429 wait is sat through.
    func call(_ method: String, _ path: String, body: Data?, headers extra: [String: String] = [:]) async throws -> Answer {
        let (response, sentAt, receivedAt) = try await exchange(method, path, body: body, headers: extra)
        return Answer(json: try interpret(response, path: path), sentAt: sentAt, receivedAt: receivedAt)
    }

    /// One request with the same retries, answering the raw response of a 2xx (a snapshot
    /// file's bytes); other statuses become the same `SyncError`s as `call`'s.
    func fetchBytes(_ path: String) async throws -> TransportResponse {
        let (response, _, _) = try await exchange("GET", path, body: nil, headers: ["Accept": "application/vnd.sqlite3, application/json"])
        guard (200..<300).contains(response.status) else {
            _ = try interpret(response, path: path)
            throw SyncError(.server, "the server failed (\(response.status))")
        }
        return response
    }

    func exchange(_ method: String, _ path: String, body: Data?,
                          headers extra: [String: String]) async throws -> (TransportResponse, Int64, Int64) {
        var headers = ["Authorization": "Bearer \(settings.token)", "CivicSync-Protocol": String(Self.protocolVersion),
                       "CivicSync-Schema": String(store.schema.version), "Accept": "application/json"]
        headers.merge(extra) { _, new in new }
        if !settings.compression { headers["Accept-Encoding"] = "identity" }
        let plainBody = body
        var body = body
        if let plain = body {
            if headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
            // Pushes (JSON) compress well; attachments' bytes (photographs, PDFs) do not.
            if path.hasPrefix("/v1/push"), settings.compression, plain.count >= Self.compressFromBytes, await serverReadsGzip.gzip {
                body = try GzipStream.compress(plain)
                headers["Content-Encoding"] = "gzip"
            }
        }
        var request = TransportRequest(method: method, path: path, headers: headers, body: body)
        var attempt = 0
        var politeWaits = 0
        while true {
            do {
                let sentAt = wallClock.nowMilliseconds()
                let response = try await transport.send(request)
                let receivedAt = wallClock.nowMilliseconds()
                if let text = response.headers["civicsync-time"], let serverTime = Int64(text) {
                    await samples.add(serverTime: serverTime, sentAt: sentAt, receivedAt: receivedAt)
                }
                if let codings = response.headers["accept-encoding"], codings.lowercased().contains("gzip") {
                    await serverReadsGzip.learnGzip()
                }
                if response.status == 429, politeWaits < 3,
                   let wait = response.headers["retry-after"].flatMap(Int.init), wait <= Self.longestPoliteWaitSeconds {
                    politeWaits += 1
                    await pause(max(1, wait) * 1000)
                    continue
                }
                if (500..<600).contains(response.status) { _ = try interpret(response, path: path) }
                if request.headers["Content-Encoding"] == "gzip", response.status == 400 || response.status == 415 {
                    // A server (or an instance behind the same balancer) that does not read
                    // gzip: the same body again, as it is, and no more compression.
                    await serverReadsGzip.forgetGzip()
                    request.headers["Content-Encoding"] = nil
                    request.body = plainBody
                    continue
                }
                return (response, sentAt, receivedAt)
            } catch let error as SyncError where (error.code == .unreachable || error.code == .server) && attempt < settings.retries {
                await pause(settings.backoffMilliseconds << min(attempt, 10))
                attempt += 1
            }
        }
    }

    func interpret(_ response: TransportResponse, path: String) throws -> JSONValue {
        let json = try? JSONParser.parse(response.body)
        let serverMessage = json?.objectValue?["error"]?.objectValue?["message"]?.stringValue
        let serverCode = json?.objectValue?["error"]?.objectValue?["code"]?.stringValue
        switch response.status {
        case 200..<300:
            guard let json else { throw SyncError(.server, "the server's answer to \(path) is not JSON") }
            return json
        case 401:
            throw SyncError(.unauthorized, "the server refused this replica's token (\(serverMessage ?? "unauthorized")); ask HQ for a new token and run `field remote set`")
        case 403:
            throw SyncError(.forbidden, "the server refused: \(serverMessage ?? "forbidden")")
        case 410 where serverCode == "cursor_compacted":
            throw SyncError(.compacted, serverMessage ?? "the server compacted the operations this pull needs")
        case 409 where serverCode == "cursor_ahead":
            throw SyncError(.conflict, "this replica has pulled further than the server's log reaches: the server's data was reset or replaced; point the replica at the right server (`field remote set`) or ask HQ")
        case 413:
            throw SyncError(.malformed, "413: the server found the request too large (\(serverMessage ?? "payload too large"))")
        case 429:
            let wait = response.headers["retry-after"].map { " in \($0) s" } ?? " later"
            throw SyncError(.throttled, "the server asks this replica to wait (\(serverCode ?? "too_many_requests"): \(serverMessage ?? "slow down")); nothing was lost, run `field sync` again\(wait)")
        case 400..<500:
            if serverCode == "unsupported_protocol" {
                throw SyncError(.unsupportedVersion, "the server speaks another sync protocol: \(serverMessage ?? "")  (upgrade `field`)")
            }
            throw SyncError(.malformed, "the server rejected the request (\(response.status) \(serverCode ?? "")): \(serverMessage ?? "no details")")
        default:
            throw SyncError(.server, "the server failed (\(response.status)): \(serverMessage ?? "no details")")
        }
    }
}

/// What the server said it reads in request bodies, learnt from its answers (RFC 7694): a
/// server that never said so gets uncompressed pushes.
actor ServerCodings {
    private(set) var gzip = false
    /// Set when a compressed push was refused: another instance behind the same address (an
    /// older one, mid-upgrade) does not read gzip. Pushes then stay uncompressed.
    private var refused = false
    func learnGzip() { if !refused { gzip = true } }
    func forgetGzip() {
        gzip = false
        refused = true
    }
}

/// The clock samples of one sync: the server's time against the device's around each request.
/// The sample with the shortest round trip bounds the offset's error best.
actor ClockSamples {
    struct Sample { var offset: Int64; var roundTrip: Int64 }
    private(set) var best: Sample?

    /// Years 2000 to 9000: a server time outside them is a broken server, not a clock to follow.
    static let plausible: ClosedRange<Int64> = 946_684_800_000...221_845_392_000_000

    func reset() { best = nil }

    func add(serverTime: Int64, sentAt: Int64, receivedAt: Int64) {
        guard Self.plausible.contains(serverTime), receivedAt >= sentAt else { return }
        let sample = Sample(offset: serverTime - (sentAt + (receivedAt - sentAt) / 2), roundTrip: receivedAt - sentAt)
        if best.map({ sample.roundTrip < $0.roundTrip }) ?? true { best = sample }
    }
}
