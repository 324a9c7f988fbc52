import FieldClient
import Foundation
import GRDB
import SyncCore
import SyncServer
import Testing

/// Issue 13: a new replica's first sync through a snapshot ends exactly where replaying the log
/// ends (log, digest, materialised tables, conflicts, reports, and later merges), for every kind
/// of principal, on random data sets; and an interrupted snapshot resumes.
@Suite(.serialized) struct SnapshotTests {
    /// Who syncs: a principal's token parameters and its replica's setup.
    struct Who: Sendable, CustomStringConvertible {
        var member: String
        var role: Principal.Role
        var branch: String?
        var kind: Principal.MonitorKind?
        var description: String { "\(role.rawValue) \(member)" }
    }

    static let principals = [
        Who(member: "hq-test", role: .hq),
        Who(member: "stf-busan-01", role: .branch, branch: "busan"),
        Who(member: "ext-00003", role: .monitor, kind: .external),
    ]

    func device(_ harness: ServerHarness, port: Int, _ who: Who, token: String, seed: UInt64, snapshots: Bool,
                snapshotLimit: Int = 5_000) throws -> FieldDevice {
        let role: Role = who.role == .hq ? .hq : who.role == .branch ? .branch : .monitor
        let device = try FieldDevice(harness, port: port, member: who.member, role: role, branch: who.branch,
                                     prefix: "T\(seed)", token: token, seed: seed)
        var settings = try #require(try device.replica.syncState().settings)
        settings.pullLimit = 700
        try device.replica.setRemote(settings)
        return device
    }

    /// A sync with or without snapshots (a per-run setting, not saved).
    @discardableResult
    func sync(_ device: FieldDevice, snapshots: Bool, files: Bool = true, snapshotLimit: Int = 5_000, chunk: Int64 = 8 << 20,
              transport: (any SyncTransport)? = nil) async throws -> SyncReport {
        try await device.replica.syncClient(transport: transport) {
            $0.snapshots = snapshots
            $0.snapshotFiles = files
            $0.snapshotLimit = snapshotLimit
            $0.snapshotChunkBytes = chunk
        }.sync()
    }

    /// What must be equal between a replica that took a snapshot and one that replayed the log.
    struct Fingerprint: Equatable, CustomStringConvertible {
        var digest: String
        var materialized: String
        var conflicts: [Conflict]
        var operations: Set<String>
        var reports: String
        var description: String { "digest \(digest.prefix(12)) tables \(materialized.prefix(12)) ops \(operations.count) conflicts \(conflicts.count)" }
    }

    func fingerprint(_ device: FieldDevice) async throws -> Fingerprint {
        let store = device.replica.store
        return try await store.writer.read { db in
            Fingerprint(digest: try store.stateDigest(db).root, materialized: try store.materializedDigest(db),
                        conflicts: try store.conflicts(db),
                        operations: Set(try String.fetchAll(db, sql: "SELECT op_id FROM oplog")),
                        reports: try HQReports(now: ServerHarness.startMilliseconds).render(nil, as: .json, db))
        }
    }

    /// Seeds of the data set, and whether the snapshot comes as one file or as JSON pages.
    @Test(arguments: [(UInt64(3), true), (UInt64(11), false)])
    func aSnapshotEndsWhereReplayingTheLogEnds(seed: UInt64, files: Bool) async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-\(seed)"))
        try harness.storage.load(DataSetGenerator(seed: seed, scale: 0.03, year: 2025), batchSize: 2_000)
        try await LiveServer.run(harness, configuration: harness.configuration) { port in
            for (index, who) in Self.principals.enumerated() {
                let token = try await harness.token(who.member, who.role, branch: who.branch, kind: who.kind)
                let taken = try device(harness, port: port, who, token: token, seed: seed * 100 + UInt64(index), snapshots: true)
                let replayed = try device(harness, port: port, who, token: token, seed: seed * 100 + 50 + UInt64(index), snapshots: false)
                let first = try await sync(taken, snapshots: true, files: files, snapshotLimit: 300)
                let second = try await sync(replayed, snapshots: false)
                #expect(first.snapshotOperations > 0 && first.snapshotEntities > 1, "\(who): \(first)")
                #expect(second.snapshotOperations == 0)
                #expect(first.converged == true && second.converged == true, "\(who)")
                // Each device pushed its own member record: one more sync brings the other's.
                let after = try await sync(taken, snapshots: true)
                #expect(after.snapshotOperations == 0 && after.pulled > 0 && after.converged == true, "\(who): \(after)")
                let a = try await fingerprint(taken), b = try await fingerprint(replayed)
                #expect(a.operations == b.operations, "\(who): \(a.operations.count) vs \(b.operations.count); only in the snapshot: \(a.operations.subtracting(b.operations).sorted().prefix(5)), only replayed: \(b.operations.subtracting(a.operations).sorted().prefix(5))")
                #expect(a.digest == b.digest && a.materialized == b.materialized && a.conflicts == b.conflicts, "\(who): \(a) vs \(b)")
                if who.role == .hq { #expect(a.reports == b.reports) }

                // Later merges: concurrent edits of entities both hold, from both replicas and from HQ.
                if who.role == .hq {
                    let cases = try taken.replica.cases().prefix(3).map(\.id)
                    for id in cases {
                        _ = try taken.replica.editCase(id, CaseEdit(title: "Edited on the snapshot replica"))
                        _ = try replayed.replica.editCase(id, CaseEdit(title: "Edited on the replayed replica"))
                    }
                    try await sync(taken, snapshots: true); try await sync(replayed, snapshots: false); try await sync(taken, snapshots: true)
                    let again = try await fingerprint(taken), other = try await fingerprint(replayed)
                    #expect(again.digest == other.digest && again.materialized == other.materialized && again.conflicts == other.conflicts)
                    #expect(again.conflicts.count >= cases.count)
                }
            }
        }
    }

    /// A snapshot cut off after a few pages (or chunks of its file) resumes where it stopped and
    /// ends converged.
    @Test(arguments: [true, false])
    func anInterruptedSnapshotResumes(files: Bool) async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-resume-\(files)"))
        try harness.storage.load(DataSetGenerator(seed: 5, scale: 0.02, year: 2025), batchSize: 2_000)
        try await LiveServer.run(harness, configuration: harness.configuration) { port in
            let who = Self.principals[0]
            let token = try await harness.token(who.member, who.role)
            let device = try device(harness, port: port, who, token: token, seed: 77, snapshots: true)
            let flaky = CutTransport(baseURL: "http://127.0.0.1:\(port)", failAfter: 5)
            await #expect(throws: SyncError.self) {
                try await sync(device, snapshots: true, files: files, snapshotLimit: 200, chunk: 64 << 10, transport: flaky)
            }
            let midway = try device.replica.syncState()
            #expect(midway.snapshotCursor != nil, "the snapshot's place is kept")
            let report = try await sync(device, snapshots: true, files: files, snapshotLimit: 200, chunk: 64 << 10)
            #expect(report.converged == true)
            #expect(report.snapshotOperations > 0, "the snapshot went on")
            #expect(try device.replica.syncState().snapshotCursor == nil)
            let reference = try self.device(harness, port: port, who, token: token, seed: 78, snapshots: false)
            try await sync(reference, snapshots: false)
            try await sync(device, snapshots: true)
            let a = try await fingerprint(device), b = try await fingerprint(reference)
            #expect(a.digest == b.digest && a.materialized == b.materialized)
        }
    }
}

extension SnapshotTests {
    /// Taking an entity again from the server (a repair) keeps this replica's own changes to it
    /// that the server has not stored yet: they are merged again on top.
    @Test func takingAnEntityAgainKeepsOwnWaitingChanges() async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-waiting"))
        try harness.storage.load(DataSetGenerator(seed: 9, scale: 0.01, year: 2025), batchSize: 2_000)
        try await LiveServer.run(harness, configuration: harness.configuration) { port in
            let who = Self.principals[0]
            let token = try await harness.token(who.member, who.role)
            let device = try device(harness, port: port, who, token: token, seed: 91, snapshots: true)
            try await sync(device, snapshots: true)
            let id = try #require(try device.replica.cases().first?.id)
            try device.replica.comment(id, "Written offline, not sent")
            _ = try device.replica.editCase(id, CaseEdit(title: "Retitled offline"))
            let store = device.replica.store
            let key = EntityKey(.case, id)
            let taken = try await harness.storage.store.writer.read { db in try harness.storage.store.snapshots(of: [key], db) }
            let imported = try await store.writer.write { db in try store.importSnapshots(taken, db) }
            #expect(imported.entities == 1 && imported.remerged >= 2)
            let detail = try device.replica.caseDetail(id)
            #expect(detail.summary.title == "Retitled offline")
            #expect(detail.comments.map(\.body).contains("Written offline, not sent"))
            let report = try await sync(device, snapshots: true)
            #expect(report.acknowledged >= 2 && report.converged == true, "\(report)")
        }
    }
}

/// A transport that stops answering (as if the link dropped) after a number of requests.
final class CutTransport: SyncTransport, @unchecked Sendable {
    // @unchecked: `remaining` is guarded by `lock`.
    private let inner: URLSessionTransport
    private let lock = NSLock()
    private var remaining: Int

    init(baseURL: String, failAfter requests: Int) {
        inner = URLSessionTransport(baseURL: URL(string: baseURL)!, timeout: 30)
        remaining = requests
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let allowed = lock.withLock { () -> Bool in
            remaining -= 1
            return remaining >= 0
        }
        guard allowed else { throw SyncError(.unreachable, "link dropped (test)") }
        return try await inner.send(request)
    }
}

extension SnapshotTests {
    /// A snapshot file is only handed to a token of the scope it was made for: an id that leaked
    /// names nothing for another token.
    @Test func aSnapshotFileIsNeverHandedToAnotherScope() async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-scope"))
        try harness.storage.load(DataSetGenerator(seed: 4, scale: 0.01, year: 2025), batchSize: 2_000)
        try await LiveServer.run(harness, configuration: harness.configuration) { port in
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 30)
            func get(_ path: String, _ token: String) async throws -> TransportResponse {
                try await transport.send(TransportRequest(method: "GET", path: path,
                                                          headers: ["Authorization": "Bearer \(token)", "CivicSync-Protocol": "2"], body: nil))
            }
            let hq = try await harness.token("hq-test", .hq)
            let monitor = try await harness.token("ext-00003", .monitor, kind: .external)
            let first = try await get("/v1/snapshot/file?offset=0&length=1024", hq)
            #expect(first.status == 200)
            let id = try #require(first.headers["civicsync-snapshot-id"])
            let again = try await get("/v1/snapshot/file?id=\(id)&offset=0&length=1024", hq)
            #expect(again.status == 200 && again.body == first.body)
            let stolen = try await get("/v1/snapshot/file?id=\(id)&offset=0&length=1024", monitor)
            #expect(stolen.status == 404, "another scope must not get HQ's file")
            let own = try await get("/v1/snapshot/file?offset=0&length=1024", monitor)
            #expect(own.status == 200 && own.headers["civicsync-snapshot-id"] != id)
            let beyond = try await get("/v1/snapshot/file?id=\(id)&offset=999999999", hq)
            #expect(beyond.status == 400)
        }
    }
}

extension SnapshotTests {
    /// Malformed snapshot, digest and replica requests are clear 400s (never a crash, never a
    /// partial answer).
    @Test func malformedRequestsAreClearErrors() async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-bad"))
        try await LiveServer.run(harness, configuration: harness.configuration) { port in
            let transport = URLSessionTransport(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 30)
            let token = try await harness.token("hq-test", .hq)
            func get(_ path: String) async throws -> (Int, String?) {
                let response = try await transport.send(TransportRequest(method: "GET", path: path,
                                                                         headers: ["Authorization": "Bearer \(token)", "CivicSync-Protocol": "2"]))
                let code = (try? JSONParser.parse(response.body))?.objectValue?["error"]?.objectValue?["code"]?.stringValue
                return (response.status, code)
            }
            for path in ["/v1/snapshot?cursor=not-a-cursor", "/v1/snapshot?cursor=12.%21%21", "/v1/snapshot?entity=nocolon",
                         "/v1/snapshot?entity=unknownkind:x", "/v1/snapshot?limit=0", "/v1/digest?bucket=99", "/v1/digest?bucket=x",
                         "/v1/replicas/bad%20id", "/v1/replicas/r1?counters=a,b", "/v1/replicas/r1?counters=0",
                         "/v1/snapshot/file?offset=-1", "/v1/snapshot/file?length=0"] {
                let (status, code) = try await get(path)
                #expect(status == 400 && code == "invalid_parameter", "\(path): \(status) \(code ?? "-")")
            }
            let (gone, code) = try await get("/v1/snapshot/file?id=1-deadbeefdeadbeef-0123456789abcdef&offset=0")
            #expect(gone == 404 && code == "snapshot_gone")
            let (ahead, aheadCode) = try await get("/v1/snapshot?cursor=999999")
            #expect(ahead == 409 && aheadCode == "cursor_ahead")
        }
    }
}

/// Issue 13: a snapshot in pages that the server compacts under is refused (409) from the next
/// page on, so that no page carries the effect of operations the first page's ranges do not name.
@Suite struct SnapshotAcrossCompactionTests {
    @Test func aCompactionInvalidatesASnapshotInProgress() async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("snapshot-compaction"))
        try harness.storage.load(DataSetGenerator(seed: 5, scale: 0.02, year: 2025), batchSize: 2_000)
        let hq = Principal(memberID: "hq", role: .hq)
        let first = try await harness.storage.snapshot(as: hq, after: nil, limit: 50)
        #expect(first.more && first.compactedRanges.isEmpty)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let result = try harness.storage.compact(olderThanMilliseconds: 0, now: now, vacuum: false, clock: SystemWallClock())
        #expect(result.compaction.dropped > 0)
        await #expect(throws: SyncError.self) { try await harness.storage.snapshot(as: hq, after: first.cursor, limit: 50) }
        // Begun again, it names the compaction and goes to the end.
        var page = try await harness.storage.snapshot(as: hq, after: nil, limit: 50)
        #expect(!page.compactedRanges.isEmpty && page.cursor.description.contains("~"))
        while page.more { page = try await harness.storage.snapshot(as: hq, after: page.cursor, limit: 50) }
    }
}

/// Issue 13: a push of an operation the server compacted is acknowledged when its content is the
/// one stored, and refused as an id conflict when it is not (its fingerprint's start is kept).
@Suite struct PushAfterCompactionTests {
    @Test func aCompactedIdIsAcknowledgedOnlyWithItsOwnContent() async throws {
        let harness = try ServerHarness(directory: ServerHarness.temporaryDirectory("push-compaction"))
        let writer = try ReplicaStore.inMemory(ReplicaID("w1")!, wallClock: ManualWallClock(milliseconds: 1_767_225_600_000), schema: .civic)
        let created = try writer.record([.set(.case, "c1", "title", .string("first")), .set(.case, "c1", "submitter", .string("m1")),
                                         .set(.case, "c1", "branch", .string("seoul"))], author: "m1")
        let later = try writer.record([.set(.case, "c1", "title", .string("second"))], author: "m1")
        let hq = Principal(memberID: "m1", role: .hq)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let first = try await harness.storage.push(PushBatch(replica: writer.replicaID, items: (created + later).map { .operation($0) }),
                                                   as: hq, receivedAt: now)
        #expect(first.rejected.isEmpty, "\(first.rejected)")
        #expect(try harness.storage.compact(olderThanMilliseconds: 0, now: now, vacuum: false, clock: SystemWallClock()).compaction.dropped > 0)
        let again = try await harness.storage.push(PushBatch(replica: writer.replicaID, items: created.map { .operation($0) }),
                                                   as: hq, receivedAt: now)
        #expect(again.rejected.isEmpty && again.applied == 0, "\(again.rejected)")
        var reused = created[0]
        reused.value = .string("another content under the same id")
        let clash = try await harness.storage.push(PushBatch(replica: writer.replicaID, items: [.operation(reused)]), as: hq, receivedAt: now)
        #expect(clash.rejected.map(\.denial.code) == [.idConflict], "\(clash.rejected)")
    }
}
