import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// The real program: `syncserver` admin commands on a data directory, and `syncserver serve`
/// on a real port of 127.0.0.1 (`--port 0`), restarted on the same data.
@Suite("syncserver program", .serialized)
struct LiveTests {
    @Test("bootstrap, token issue, list and revoke with --json")
    func adminCommands() throws {
        let directory = ServerHarness.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let boot = try ServerProcess.run(["bootstrap", "--data-dir", directory, "--member", "hq1", "--json"])
        #expect(boot.status == 0, "\(boot.stderr)")
        let bootJSON = try parseJSON(boot.stdout).objectValue ?? [:]
        #expect(bootJSON["role"] == .string("hq") && bootJSON["member"] == .string("hq1"))
        #expect(bootJSON["token"]?.stringValue?.hasPrefix("cs_") == true)

        let again = try ServerProcess.run(["bootstrap", "--data-dir", directory, "--json"])
        #expect(again.status != 0)
        #expect(errorCode(again.stdout) == "conflict")

        let issue = try ServerProcess.run(["token", "issue", "--member", "s1", "--role", "branch", "--branch", "busan", "--json"],
                                          environment: ["CIVICSYNC_DATA_DIR": directory])
        #expect(issue.status == 0, "\(issue.stderr)")
        let issued = try parseJSON(issue.stdout).objectValue ?? [:]
        #expect(issued["branch"] == .string("busan") && issued["role"] == .string("branch"))
        let noBranch = try ServerProcess.run(["token", "issue", "--data-dir", directory, "--member", "s2", "--role", "branch"])
        #expect(noBranch.status != 0 && noBranch.stderr.contains("--branch"))
        let badRole = try ServerProcess.run(["token", "issue", "--data-dir", directory, "--member", "s2", "--role", "king", "--json"])
        #expect(badRole.status != 0 && errorCode(badRole.stdout) == "invalid_value")
        let monitor = try ServerProcess.run(["token", "issue", "--data-dir", directory, "--member", "m1", "--role", "monitor",
                                             "--kind", "internal", "--json"])
        #expect((try parseJSON(monitor.stdout)).objectValue?["kind"] == .string("internal"))

        let list = try ServerProcess.run(["token", "list", "--data-dir", directory, "--json"])
        let tokens = (try parseJSON(list.stdout)).objectValue?["tokens"]?.arrayValue ?? []
        #expect(tokens.count == 3)
        #expect(!list.stdout.contains(issued["token"]?.stringValue ?? "?"), "token secrets are never listed")

        let id = issued["id"]?.stringValue ?? ""
        let revoke = try ServerProcess.run(["token", "revoke", id, "--data-dir", directory, "--json"])
        #expect(revoke.status == 0)
        #expect((try parseJSON(revoke.stdout)).objectValue?["revoked"]?.arrayValue?.count == 1)
        let twice = try ServerProcess.run(["token", "revoke", id, "--data-dir", directory])
        #expect(twice.status != 0)
        let text = try ServerProcess.run(["token", "list", "--data-dir", directory])
        #expect(text.stdout.contains("\(id)  branch busan s1  revoked"))
    }

    @Test("serve --port 0 prints its ready line and serves sync on 127.0.0.1; data survives a restart")
    func serveOnRealPort() async throws {
        let directory = ServerHarness.temporaryDirectory("serve")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let boot = try ServerProcess.run(["bootstrap", "--data-dir", directory, "--json"])
        let token = try #require((try parseJSON(boot.stdout)).objectValue?["token"]?.stringValue)
        let device = try Device("hqr", member: "hq")
        let ops = try device.record([.set(.member, "hq", "name", .string("Head Office")), .set(.member, "m1", "name", .string("Monitor"))])
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        headers[HTTPField.Name("CivicSync-Protocol")!] = "1"
        headers[.contentType] = "application/json"
        let requestHeaders = headers
        let body = "{\"replica\":\"hqr\",\"operations\":[" + ops.map(\.canonicalJSON).joined(separator: ",") + "]}"

        let server = try await ServerProcess.Running(arguments: ["serve", "--data-dir", directory, "--port", "0", "--log-level", "warning"])
        #expect(server.readyLine == "listening on http://127.0.0.1:\(server.port)")
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let health = try await client.get("/v1/health")
            #expect(health.status == .ok)
            let pushed = try await client.post("/v1/push", headers: requestHeaders, body: ByteBuffer(string: body))
            #expect(pushed.status == .ok)
            let answer = try parseJSON(String(buffer: pushed.body ?? ByteBuffer()))
            #expect(answer.objectValue?["acknowledged"]?.arrayValue?.count == 2)
        }
        server.stop()

        // Restarted on the same data directory (port from the environment this time).
        let restarted = try await ServerProcess.Running(arguments: ["serve", "--log-level", "warning"],
                                                        environment: ["CIVICSYNC_DATA_DIR": directory, "CIVICSYNC_PORT": "0",
                                                                      "CIVICSYNC_HOST": "127.0.0.1"])
        defer { restarted.stop() }
        try await TestClient.withClient(host: "127.0.0.1", port: restarted.port) { client in
            let pulled = try await client.get("/v1/pull?cursor=0", headers: requestHeaders)
            #expect(pulled.status == .ok)
            let json = try parseJSON(String(buffer: pulled.body ?? ByteBuffer())).objectValue ?? [:]
            let received = try (json["operations"]?.arrayValue ?? []).map { try SyncOperation(wire: $0) }
            #expect(received == ops)
            #expect(json["cursor"] == .int(2) && json["more"] == .bool(false))
            let digest = try await client.get("/v1/digest", headers: requestHeaders)
            #expect((try parseJSON(String(buffer: digest.body ?? ByteBuffer()))).objectValue?["digest"]?.stringValue
                    == (try device.store.stateDigest()))
        }
    }

    @Test("serve takes the rate limit and timeouts from its options and CIVICSYNC_ variables, and checks them")
    func serveLimits() async throws {
        let directory = ServerHarness.temporaryDirectory("serve-limits")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let boot = try ServerProcess.run(["bootstrap", "--data-dir", directory, "--json"])
        let token = try #require((try parseJSON(boot.stdout)).objectValue?["token"]?.stringValue)
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let requestHeaders = headers

        let server = try await ServerProcess.Running(
            // 3 s for a request head: long enough that a loaded machine's pause between two of
            // the client's keep-alive requests is not taken for a silent connection.
            arguments: ["serve", "--data-dir", directory, "--port", "0", "--log-level", "warning", "--header-timeout", "3"],
            environment: ["CIVICSYNC_RATE_LIMIT": "1", "CIVICSYNC_RATE_LIMIT_BURST": "2", "CIVICSYNC_IDLE_TIMEOUT": "30",
                          "CIVICSYNC_MAX_CONNECTIONS": "50"])
        defer { server.stop() }
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            for _ in 0..<2 { #expect(try await client.get("/v1/pull", headers: requestHeaders).status == .ok) }
            // A loaded machine may take a second between requests (one more request refilled):
            // keep asking; well within 20 requests the bucket is empty.
            var limited = try await client.get("/v1/pull", headers: requestHeaders)
            for _ in 0..<20 where limited.status != .tooManyRequests {
                limited = try await client.get("/v1/pull", headers: requestHeaders)
            }
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(errorCode(String(buffer: limited.body ?? ByteBuffer())) == "rate_limited")
        }
        let silent = try RawConnection.open(port: server.port)
        defer { silent.close() }
        #expect(await silent.closedByServer() == .closed(received: ""))

        for (arguments, environment, complaint) in [
            (["--max-connections=-1"], [:], "connection cap"),
            (["--rate-limit", "5", "--rate-limit-burst", "0"], [:], "burst"),
            ([], ["CIVICSYNC_HEADER_TIMEOUT": "soon"], "CIVICSYNC_HEADER_TIMEOUT must be an integer"),
        ] as [([String], [String: String], String)] {
            let refused = try ServerProcess.run(["serve", "--data-dir", directory, "--port", "0"] + arguments, environment: environment)
            #expect(refused.status != 0 && refused.stderr.contains(complaint), "\(arguments) \(environment): \(refused.stderr)")
        }
    }

    @Test("the app built by buildApplication serves on a real port (.live)")
    func liveApplication() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.app().test(.live) { client in
            #expect(client.port != nil)
            let version = try await client.get("/v1/version")
            #expect(version.status == 200 && version.body.contains("\"protocol\":2"))
            let device = try Device("hqr", member: "hq")
            let answer = try await client.push(token, replica: "hqr", try device.record([.set(.member, "a", "name", .string("A"))]))
            #expect(answer.acknowledged.count == 1)
            #expect(try await client.pull(token).operations.count == 1)
        }
    }
}
