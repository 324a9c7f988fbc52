import FieldClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import SyncCore
import Testing

/// Issue 14, through the real `syncserver` and `field` programs: HTTPS with a private CA,
/// compressed transfers, and live sync (`field sync --watch`).
@Suite(.serialized) struct NetworkTests {
    @Test func httpsWithAPrivateCAAndRefusalsWithoutIt() async throws {
        let directory = try TemporaryDirectory()
        let certificates = try TestCertificates(in: directory)
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        try server.start(extraArguments: ["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey])
        defer { server.stop() }
        #expect(server.scheme == "https")
        let hq = directory.path("hq.replica")
        try field(["init", "--replica", hq, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(["remote", "set", "--replica", hq, "--server", server.baseURL, "--token", hqToken,
                   "--ca-cert", certificates.caCertificate])
        let shown = try field(["remote", "show", "--replica", hq])
        #expect(shown.stdout.contains("private CA"))
        try field(["case", "create", "--replica", hq, "--title", "Refunds over TLS", "--body", "Sent encrypted",
                   "--area", "goods", "--cause", "process"])
        let synced = try field(["sync", "--replica", hq, "--json"])
        let report = try JSONParser.parse(Array(synced.stdout.utf8)).objectValue ?? [:]
        #expect(report["pushed"]?.intValue ?? 0 > 0 && report["converged"] == .bool(true), "\(synced.stdout)")

        // Without the CA the system's CAs are trusted, which did not sign this server: refused,
        // nothing sent, the replica unchanged.
        let other = directory.path("other.replica")
        try field(["init", "--replica", other, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQX"])
        try field(["remote", "set", "--replica", other, "--server", server.baseURL, "--token", hqToken])
        let untrusted = try field(["sync", "--replica", other, "--retries", "0"], expecting: 20)
        #expect(untrusted.stderr.lowercased().contains("certificate") || untrusted.stderr.lowercased().contains("ssl"), "\(untrusted.stderr)")
        // Another CA's certificate does not let this server in either.
        try field(["remote", "set", "--replica", other, "--server", server.baseURL, "--token", hqToken,
                   "--ca-cert", certificates.otherCACertificate])
        let wrongCA = try field(["sync", "--replica", other, "--retries", "0"], expecting: 20)
        #expect(wrongCA.stderr.contains("not signed by the CA"), "\(wrongCA.stderr)")
        #expect(try Self.open(other).cases().isEmpty)

        // A token is never sent over plain HTTP to another machine, unless the person says so.
        let plain = try field(["remote", "set", "--replica", other, "--server", "http://192.0.2.10:8080", "--token", hqToken],
                              expecting: 13)
        #expect(plain.stderr.contains("refusing to send the token over plain HTTP"), "\(plain.stderr)")
        try field(["remote", "set", "--replica", other, "--server", "http://192.0.2.10:8080", "--token", hqToken, "--insecure"])
        #expect(try field(["remote", "show", "--replica", other]).stdout.contains("--insecure"))
        // A CA file that is not a certificate is refused with its name.
        try "not a certificate".write(toFile: directory.path("bad.pem"), atomically: true, encoding: .utf8)
        let bad = try field(["remote", "set", "--replica", other, "--server", server.baseURL, "--token", hqToken,
                             "--ca-cert", directory.path("bad.pem")], expecting: 13)
        #expect(bad.stderr.contains("CA certificate"), "\(bad.stderr)")

        // The server refuses to start on a key that is not its certificate's.
        let mismatched = try Binaries.run(Binaries.syncserver, ["serve", "--data-dir", directory.path("other-server"), "--port", "0",
                                                               "--tls-cert", certificates.serverCertificate,
                                                               "--tls-key", directory.path("other-ca.key")])
        #expect(mismatched.status != 0 && mismatched.stderr.contains("does not go with the certificate"), "\(mismatched.stderr)")
    }

    @Test func compressedPullAndPushSaveBytesOnTheWire() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        try server.start()
        defer { server.stop() }
        let hq = directory.path("hq.replica")
        try field(["init", "--replica", hq, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(["remote", "set", "--replica", hq, "--server", server.baseURL, "--token", hqToken])
        let replica = try Self.open(hq)
        for index in 0..<150 {
            _ = try replica.createCase(NewCase(title: "Bid bond refunds are slow \(index)", body: "Suppliers wait for refunds, case \(index)",
                                               area: "goods", cause: "process"))
        }
        try field(["sync", "--replica", hq])
        let laptop = directory.path("laptop.replica")
        try field(["init", "--replica", laptop, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQL"])
        try field(["remote", "set", "--replica", laptop, "--server", server.baseURL, "--token", hqToken])
        let synced = try field(["sync", "--replica", laptop, "--json"])
        #expect(try JSONParser.parse(Array(synced.stdout.utf8)).objectValue?["converged"] == .bool(true))
        #expect(try Self.open(laptop).cases().count == 150)

        // The pull answers say how much remains: a progress bar's total is right from the first page.
        let tablet = try FieldReplica.create(path: directory.path("tablet.replica"), setup: .init(memberID: "hq1", name: "HQ", role: .hq, refPrefix: "HQT"),
                                             wallClock: SystemWallClock(), ids: SystemIDSource())
        var settings = SyncSettings(serverURL: server.baseURL, token: hqToken)
        settings.pullLimit = 100
        try tablet.setRemote(settings)
        let seen = ProgressLog()
        let tabletReport = try await tablet.syncClient { $0.snapshots = false }.sync { seen.add($0) }
        let pulls = seen.all.filter { $0.phase == .pull }
        #expect(pulls.count > 3)
        #expect(pulls.allSatisfy { $0.total == Int64(tabletReport.pulled) }, "\(pulls.map { ($0.done, $0.total) })")
        #expect(pulls.last?.done == Int64(tabletReport.pulled))

        let metrics = try await Self.get("\(server.baseURL)/metrics")
        func counter(_ name: String) -> Double {
            // `name{instance="…"} 12` (the instance is the host's name by default).
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? -1
        }
        #expect(counter("civicsync_response_wire_bytes_total") > 0 && counter("civicsync_request_wire_bytes_total") > 0, "\(metrics)")
        // Pushes went compressed, answers came compressed: a fraction of the bytes crossed.
        #expect(counter("civicsync_request_wire_bytes_total") * 2 < counter("civicsync_request_body_bytes_total"), "\(metrics)")
        #expect(counter("civicsync_response_wire_bytes_total") * 2 < counter("civicsync_response_body_bytes_total"), "\(metrics)")

        // A compression bomb is refused at the limit, and the server is unharmed.
        var bomb = Data("{\"replica\":\"hql\",\"operations\":[".utf8)
        bomb.append(Data(repeating: UInt8(ascii: " "), count: 32 << 20))
        bomb.append(Data("]}".utf8))
        var request = URLRequest(url: URL(string: "\(server.baseURL)/v1/push")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(hqToken)", forHTTPHeaderField: "Authorization")
        request.setValue("2", forHTTPHeaderField: "CivicSync-Protocol")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
        request.httpBody = try GzipStream.compress(bomb, level: 9)
        let (body, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 413, "\(String(decoding: body, as: UTF8.self))")
        #expect(String(decoding: body, as: UTF8.self).contains("payload_too_large"))
        #expect(try await Self.get("\(server.baseURL)/v1/health").contains("ok"))
    }

    @Test func aWatchingReplicaReceivesChangesWithinTwoSecondsAndSendsItsOwn() async throws {
        let directory = try TemporaryDirectory()
        let server = ServerProcess(dataDirectory: directory.path("server"))
        let hqToken = try server.bootstrap(member: "hq1")
        let kimToken = try server.issueToken(member: "kim", role: "branch", branch: "busan")
        try server.start()
        defer { server.stop() }
        let hqPath = directory.path("hq.replica"), busanPath = directory.path("busan.replica")
        try field(["init", "--replica", hqPath, "--member", "hq1", "--name", "HQ", "--role", "hq", "--prefix", "HQ"])
        try field(["remote", "set", "--replica", hqPath, "--server", server.baseURL, "--token", hqToken])
        try field(["init", "--replica", busanPath, "--member", "kim", "--name", "Kim", "--role", "branch", "--branch", "busan", "--prefix", "BSN"])
        try field(["remote", "set", "--replica", busanPath, "--server", server.baseURL, "--token", kimToken])

        let watch = try WatchProcess(replica: busanPath)
        defer { watch.interrupt() }
        try watch.waitFor("\"event\":\"synced\"")
        // A second sync of the watched replica is refused while it watches.
        try field(["sync", "--replica", busanPath], expecting: 19)

        // HQ files a case for Busan and syncs: the watching replica has it within two seconds.
        let hq = try Self.open(hqPath)
        let filed = try hq.createCase(NewCase(title: "Tender notices posted late", body: "Seen at the Busan workshop",
                                              area: "goods", cause: "process", branch: "busan"))
        try field(["sync", "--replica", hqPath])
        let stored = ContinuousClock.now
        let busan = try Self.open(busanPath)
        while (try? busan.caseDetail(filed.id)) == nil, ContinuousClock.now - stored < .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let latency = ContinuousClock.now - stored
        #expect(try busan.caseDetail(filed.id).summary.title == "Tender notices posted late")
        #expect(latency < .seconds(2), "arrived after \(latency)")
        try watch.waitFor("\"event\":\"pulled\"")

        // Work recorded on the watched replica (another `field` command) reaches the server by itself.
        try field(["case", "comment", "--replica", busanPath, filed.ref ?? filed.id, "Checked with the supplier"])
        try watch.waitFor("\"event\":\"pushed\"")
        try field(["sync", "--replica", hqPath])
        #expect(try hq.caseDetail(filed.id).comments.map(\.body) == ["Checked with the supplier"])

        // The server goes away: the watch says so and keeps trying; back, it syncs again.
        server.stop()
        try watch.waitFor("\"event\":\"offline\"")
        try server.restart()
        try watch.waitFor("\"event\":\"synced\"", after: "\"event\":\"offline\"", timeout: 60)
        #expect(watch.interrupt() == 0)
    }

    /// Opens a replica file the CLI made, beside the CLI (on the real clock).
    static func open(_ path: String) throws -> FieldReplica {
        try FieldReplica.open(path: path, wallClock: SystemWallClock(), ids: SystemIDSource())
    }

    static func get(_ url: String) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return String(decoding: data, as: UTF8.self)
    }
}

/// `field sync --watch --json` running in the background, its output collected.
final class WatchProcess: @unchecked Sendable {
    // @unchecked: `output` is guarded by `lock`; `process` is immutable after init.
    private let process = Process()
    private let lock = NSLock()
    private var output = ""

    init(replica: String) throws {
        guard let binary = Binaries.field else { throw E2EError("field executable not found") }
        process.executableURL = binary
        process.arguments = ["sync", "--watch", "--json", "--replica", replica]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var text: String { lock.withLock { output } }

    /// Waits until the output holds `needle` (after the last `after`, when given).
    func waitFor(_ needle: String, after: String? = nil, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var text = self.text
            if let after, let range = text.range(of: after, options: .backwards) { text = String(text[range.upperBound...]) }
            if text.contains(needle) { return }
            if !process.isRunning { throw E2EError("the watch ended: \(self.text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw E2EError("no \(needle) within \(timeout) s: \(text)")
    }

    /// Stops the watch as Ctrl-C does; answers its exit status.
    @discardableResult
    func interrupt() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}

/// Progress reports of one sync, in order.
final class ProgressLog: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [SyncProgress] = []
    func add(_ progress: SyncProgress) { lock.withLock { items.append(progress) } }
    var all: [SyncProgress] { lock.withLock { items } }
}
