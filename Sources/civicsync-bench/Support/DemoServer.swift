import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import SyncCore
import CivilAffairs
import FieldClient

/// A `syncserver` holding the demo data set at one scale (`syncserver generate`), with an HQ
/// token and a branch token, serving on loopback. W6, W7 and W8 share the one at `--scale`;
/// W8 makes another at `--large-scale`.
final class DemoServer: Sendable {
    let server: ServerProcess
    let scale: Double
    /// Operations in the server's store after `generate`.
    let operations: Int
    let generateSeconds: Double
    let hqMember = "hq-bench"
    let hqToken: String
    /// The branch whose scope W8 measures: the largest branch of the data set.
    let branch = "seoul"
    let branchToken: String

    /// Default flags: no rate limit (W8 calls the digest hundreds of times in a row), less logging.
    static let serveFlags = ["--rate-limit", "0", "--log-level", "warning"]

    private init(server: ServerProcess, scale: Double, operations: Int, generateSeconds: Double, hqToken: String, branchToken: String) {
        self.server = server
        self.scale = scale
        self.operations = operations
        self.generateSeconds = generateSeconds
        self.hqToken = hqToken
        self.branchToken = branchToken
    }

    static func make(binary: URL, workspace: Workspace, scale: Double) throws -> DemoServer {
        let server = ServerProcess(binary: binary, dataDirectory: try workspace.directory("demo-server-scale\(scale)"))
        Log.progress("syncserver generate --scale \(W3Merge.scaleText(scale)) (minutes at scale 10 with the engine of issue 10)")
        let (operations, seconds) = try server.generate(scale: scale)
        let hq = try server.bootstrap(member: "hq-bench")
        let branchToken = try server.issueToken(member: "bench-branch-staff", role: "branch", branch: "seoul")
        try server.start(flags: serveFlags)
        return DemoServer(server: server, scale: scale, operations: operations, generateSeconds: seconds, hqToken: hq, branchToken: branchToken)
    }

    /// Issue 13: a copy of `demo`'s store (`VACUUM INTO`, while it serves), compacted with
    /// `syncserver compact` (operations older than 90 days before the newest), serving on
    /// another port with the same tokens. `operations` stays the history's length.
    static func compactedCopy(of demo: DemoServer, binary: URL, workspace: Workspace) throws -> DemoServer {
        let directory = try workspace.directory("demo-server-compacted")
        let file = (directory as NSString).appendingPathComponent("server.sqlite")
        var readOnly = Configuration()
        readOnly.readonly = true
        let source = try DatabaseQueue(path: demo.serverFile, configuration: readOnly)
        let newest = try source.read { db in try String.fetchOne(db, sql: "SELECT max(hlc) FROM oplog") }.flatMap(HLCTimestamp.init)
        try source.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [file]) }
        try source.close()
        let now = SystemWallClock().nowMilliseconds()
        let days = max(0, (now - (newest?.wallMilliseconds ?? now)) / 86_400_000) + 90
        let server = ServerProcess(binary: binary, dataDirectory: directory)
        let output = try server.admin(["compact", "--older-than", "\(days)d", "--vacuum"])
        guard output.status == 0 else { throw BenchError("syncserver compact failed: \(output.stderr.prefix(300))") }
        Log.progress(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        try server.start(flags: serveFlags)
        return DemoServer(server: server, scale: demo.scale, operations: demo.operations, generateSeconds: 0,
                          hqToken: demo.hqToken, branchToken: demo.branchToken)
    }

    var serverFile: String { (server.dataDirectory as NSString).appendingPathComponent("server.sqlite") }

    func stop() { server.stop() }
}

/// A fresh HQ replica's first sync of a demo server (W6), kept for W7's sizes.
struct FirstSync: Sendable {
    var replica: FieldReplica
    var path: String
    var report: SyncReport
    var seconds: Double
    /// Seconds until the pull had ended (push and pull; the rest is the digest check).
    var pullSeconds: Double
    var serverCPU: Double?
    var ownCPU: Double?
    var latencies: [String: LatencySummary]
    /// Bytes of the server's answers during the sync as produced, and as sent (compressed when
    /// the client accepts gzip): the server's own counters (`/metrics`).
    var answerBytes: Double?
    var wireBytes: Double?

    /// `snapshots`: the first sync takes a snapshot (what `field sync` does), or replays the log.
    /// `compression`: answers and pushes gzip-compressed (what `field sync` does), or not.
    static func run(_ demo: DemoServer, workspace: Workspace, snapshots: Bool = true, compression: Bool = true,
                    name: String = "hq") async throws -> FirstSync {
        let path = workspace.path(name, ext: "replica")
        let replica = try FieldReplica.create(path: path, setup: .init(memberID: demo.hqMember, name: "Bench HQ", role: .hq),
                                              wallClock: SystemWallClock(), ids: SystemIDSource())
        try replica.setRemote(SyncSettings(serverURL: demo.server.baseURL.absoluteString, token: demo.hqToken))
        let book = LatencyBook()
        let transport = TimedTransport.make(baseURL: demo.server.baseURL, book: book, statuses: StatusCounter())
        let client = try replica.syncClient(transport: transport) {
            $0.snapshots = snapshots
            $0.compression = compression
        }
        let bytesBefore = await ServerBytes.read(demo.server.baseURL)
        let pullEnded = PhaseClock()
        let serverCPU0 = demo.server.cpuSeconds, ownCPU0 = CPUTime.ownSeconds()
        let start = Timing.now()
        let report = try await client.sync { progress in
            if progress.phase == .verify { pullEnded.mark() }
        }
        let seconds = Timing.since(start)
        var latencies: [String: LatencySummary] = [:]
        for label in ["push", "snapshot", "pull", "digest"] { latencies[label] = await book.summary(label) }
        let bytesAfter = await ServerBytes.read(demo.server.baseURL)
        return FirstSync(replica: replica, path: path, report: report, seconds: seconds,
                         pullSeconds: pullEnded.seconds(since: start) ?? seconds,
                         serverCPU: demo.server.cpuSeconds.flatMap { now in serverCPU0.map { now - $0 } },
                         ownCPU: CPUTime.ownSeconds().flatMap { now in ownCPU0.map { now - $0 } }, latencies: latencies,
                         answerBytes: bytesAfter.flatMap { after in bytesBefore.map { after.body - $0.body } },
                         wireBytes: bytesAfter.flatMap { after in bytesBefore.map { after.wire - $0.wire } })
    }
}

/// The server's counters of answer bytes (`civicsync_response_body_bytes_total`, as produced,
/// and `civicsync_response_wire_bytes_total`, as sent).
enum ServerBytes {
    static func read(_ baseURL: URL) async -> (body: Double, wire: Double)? {
        guard let (data, _) = try? await URLSession.shared.data(from: baseURL.appendingPathComponent("metrics")) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        func counter(_ name: String) -> Double? {
            // `name 12` or `name{instance="…"} 12`.
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        guard let body = counter("civicsync_response_body_bytes_total"), let wire = counter("civicsync_response_wire_bytes_total") else { return nil }
        return (body, wire)
    }
}

/// The first instant a phase was reached, set from a progress callback.
final class PhaseClock: @unchecked Sendable {
    // @unchecked: `instant` is only touched under `lock`.
    private let lock = NSLock()
    private var instant: UInt64?
    func mark() { lock.withLock { if instant == nil { instant = Timing.now() } } }
    func seconds(since start: UInt64) -> Double? { lock.withLock { instant.map { Double($0 &- start) / 1e9 } } }
}
