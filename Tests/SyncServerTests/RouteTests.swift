import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import SyncCore
import SyncServer
import Testing

/// Every route and every error the HTTP layer answers, through the router test client.
@Suite("Routes and errors")
struct RouteTests {
    @Test("health and version answer without a token")
    func healthAndVersion() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let health = try await client.get("/v1/health")
            #expect(health.status == 200)
            #expect(try parseJSON(health.body) == .object(["status": .string("ok"), "store": .string("sqlite")]))
            #expect(health.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            let version = try await client.get("/v1/version")
            #expect(version.status == 200)
            #expect(try parseJSON(version.body) == .object([
                "protocol": .int(2), "protocols": .object(["min": .int(1), "max": .int(2)]),
                "schema": .object(["name": .string("civicsync"), "version": .int(Int64(SyncSchema.civic.version))]),
                "server": .string("civicsync \(ServerVersion.current)")]))
        }
    }

    @Test("metrics expose push, pull and request counters in Prometheus text")
    func metrics() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.test { client in
            let device = try Device("hqr", member: "hq")
            let ops = try device.record([.set(.member, "hq", "name", .string("HQ"))])
            _ = try await client.push(token, replica: device.replica, ops)
            _ = try await client.push(token, replica: device.replica, [try device.record([.set(.member, "m9", "name", .string("x"))], as: "m9")[0]])
            _ = try await client.pull(token)
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.body.contains("civicsync_operations_pushed_total 2"))
            #expect(metrics.body.contains("civicsync_operations_accepted_total 1"))
            #expect(metrics.body.contains("civicsync_operations_rejected_total 1"))
            #expect(metrics.body.contains("civicsync_pull_requests_total 1"))
            #expect(metrics.body.contains("civicsync_http_requests_total{method=\"POST\",route=\"/v1/push\",status=\"200\"} 2"))
        }
    }

    @Test("unknown routes are 404 and wrong methods 405, both as JSON errors")
    func unknownRoutes() async throws {
        let harness = try ServerHarness()
        try await harness.test { client in
            let missing = try await client.get("/v2/push")
            #expect(missing.status == 404)
            #expect(errorCode(missing.body) == "not_found")
            let wrongMethod = try await client.execute(uri: "/v1/push", method: .get, headers: [:])
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(errorCode(String(buffer: wrongMethod.body)) == "method_not_allowed")
        }
    }

    @Test("a served path with a method it does not serve is 405 with Allow; unknown paths stay 404",
          arguments: [
              ("POST", "/v1/reports/tasks", "GET"), ("DELETE", "/v1/reports/all", "GET"), ("GET", "/v1/push", "POST"),
              ("PUT", "/dashboard/login", "GET, POST"), ("HEAD", "/v1/health", "GET"), ("GET", "/v1/dashboard/ticket", "POST"),
              ("POST", "/v1/reports/no-such-report", "GET"), ("PATCH", "/metrics", "GET"),
          ])
    func methodNotAllowed(method: String, path: String, allow: String) async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.test { client in
            let response = try await client.execute(uri: path, method: HTTPRequest.Method(method)!, headers: client.headers(token: token))
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == allow)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = try parseJSON(String(buffer: response.body)).objectValue?["error"]?.objectValue ?? [:]
            #expect(body["code"] == .string("method_not_allowed"))
            #expect(body["message"]?.stringValue?.contains(method) == true)
        }
    }

    @Test("unknown paths, including longer paths under a template, stay 404; a route's own 404 is kept")
    func unknownPathsStay404() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.test { client in
            for (method, path) in [("POST", "/v1/reports/tasks/extra"), ("GET", "/v1"), ("DELETE", "/v2/push"), ("GET", "/dashboard/x")] {
                let response = try await client.execute(uri: path, method: HTTPRequest.Method(method)!, headers: client.headers(token: token))
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.headers[.allow] == nil)
                #expect(errorCode(String(buffer: response.body)) == "not_found")
            }
            let unknownReport = try await client.get("/v1/reports/no-such-report", headers: client.headers(token: token))
            #expect(unknownReport.status == 404 && errorCode(unknownReport.body) == "unknown_report")
        }
    }

    @Test("a client speaking another protocol gets 400 unsupported_protocol", arguments: ["3", "0", "abc", ""])
    func wrongProtocol(sent: String) async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.test { client in
            for uri in ["/v1/pull", "/v1/digest"] {
                var headers = client.headers(token: token)
                headers[HTTPField.Name("CivicSync-Protocol")!] = sent
                let response = try await client.get(uri, headers: headers)
                #expect(response.status == 400)
                #expect(errorCode(response.body) == "unsupported_protocol")
                #expect(response.body.contains("protocol 1 to 2"))
            }
            var headers = client.headers(token: token, json: true)
            headers[HTTPField.Name("CivicSync-Protocol")!] = sent
            let push = try await client.pushRaw(token, body: "{}", headers: headers)
            #expect(push.status == 400 && errorCode(push.body) == "unsupported_protocol")
        }
    }

    @Test("missing, unknown, malformed and revoked tokens get 401", arguments: StoreKind.allCases)
    func tokens(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        let token = try await harness.token("m1", .monitor)
        try await harness.test { client in
            let missing = try await client.get("/v1/pull", headers: client.headers(token: nil))
            #expect(missing.status == 401 && errorCode(missing.body) == "missing_token")
            #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let unknown = try await client.get("/v1/digest", headers: client.headers(token: token + "x"))
            #expect(unknown.status == 401 && errorCode(unknown.body) == "invalid_token")
            var basic = client.headers(token: nil)
            basic[.authorization] = "Basic abc"
            let wrongScheme = try await client.get("/v1/pull", headers: basic)
            #expect(wrongScheme.status == 401 && errorCode(wrongScheme.body) == "invalid_token")
            let push = try await client.pushRaw(nil, body: "{}", headers: client.headers(token: nil, json: true))
            #expect(push.status == 401)

            let ok = try await client.get("/v1/pull", headers: client.headers(token: token))
            #expect(ok.status == 200)
            let record = try #require(try await harness.authority.list().first)
            _ = try await harness.authority.revoke(.id(record.id))
            let revoked = try await client.get("/v1/pull", headers: client.headers(token: token))
            #expect(revoked.status == 401 && errorCode(revoked.body) == "revoked_token")
        }
    }

    @Test("tokens are stored only as SHA-256 hashes")
    func tokenHashes() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("m1", .monitor)
        let record = try #require(try await harness.authority.list().first)
        #expect(record.hash == TokenAuthority.hash(token))
        #expect(record.hash.count == 64 && !record.hash.contains(token))
        let stored = try await harness.storage.store.writer.read { db in try String.fetchAll(db, sql: "SELECT hash FROM server_tokens") }
        #expect(stored == [record.hash])
        #expect(token.hasPrefix("cs_\(record.id)_"))
    }

    @Test("bootstrap issues one HQ token and then refuses", arguments: StoreKind.allCases)
    func bootstrap(_ store: StoreKind) async throws {
        let harness = try await ServerHarness(on: store)
        let first = try await harness.authority.bootstrap(memberID: "hq")
        #expect(first.record.principal.role == .hq)
        await #expect(throws: SyncError.self) { try await harness.authority.bootstrap(memberID: "hq2") }
        _ = try await harness.authority.revoke(.member("hq"))
        _ = try await harness.authority.bootstrap(memberID: "hq2") // every HQ token revoked: bootstrap allowed again
    }

    @Test("push bodies must be JSON with the right content type and members")
    func malformedPushes() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        try await harness.test { client in
            var textHeaders = client.headers(token: token)
            textHeaders[.contentType] = "text/plain"
            let wrongType = try await client.pushRaw(token, body: "{\"replica\":\"r1\",\"operations\":[]}", headers: textHeaders)
            #expect(wrongType.status == 415 && errorCode(wrongType.body) == "unsupported_media_type")
            let noType = try await client.pushRaw(token, body: "{}", headers: client.headers(token: token))
            #expect(noType.status == 415)

            let cases: [(String, Int, String)] = [
                ("not json", 400, "malformed_json"),
                ("[]", 400, "invalid_request"),
                ("{\"operations\":[]}", 400, "invalid_request"),
                ("{\"replica\":\"bad id!\",\"operations\":[]}", 400, "invalid_request"),
                ("{\"replica\":\"r1\"}", 400, "invalid_request"),
                ("{\"replica\":\"r1\",\"operations\":{}}", 400, "invalid_request"),
                ("{\"replica\":\"r1\",\"operations\":[],\"extra\":1}", 400, "unknown_field"),
            ]
            for (body, status, code) in cases {
                let answer = try await client.pushRaw(token, body: body)
                #expect(answer.status == status, "\(body) → \(answer.body)")
                #expect(errorCode(answer.body) == code, "\(body) → \(answer.body)")
            }
            // A fractional number refuses its operation only, never the whole body.
            let fraction = try await client.pushRaw(token, body: "{\"replica\":\"r1\",\"operations\":[1.5]}")
            #expect(fraction.status == 200 && fraction.rejected == ["#0": "invalid_value"], "\(fraction.body)")
            let charset = try await client.pushRaw(token, body: "{\"replica\":\"r1\",\"operations\":[]}",
                                                   headers: { var h = client.headers(token: token); h[.contentType] = "application/json; charset=utf-8"; return h }())
            #expect(charset.status == 200 && charset.acknowledged.isEmpty)
        }
    }

    @Test("unreadable operations are rejected one by one; the rest of the batch goes through")
    func invalidOperations() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        let good = try device.record([.set(.member, "a1", "name", .string("A"))])[0]
        var unknownField = good.wireValue.objectValue!
        unknownField["id"] = .string("hqr:100"); unknownField["field"] = .string("shoeSize")
        var badValue = good.wireValue.objectValue!
        badValue["id"] = .string("hqr:101"); badValue["value"] = .int(3)
        var extraMember = good.wireValue.objectValue!
        extraMember["id"] = .string("hqr:102"); extraMember["colour"] = .string("red")
        let body = "{\"replica\":\"hqr\",\"operations\":[" + [
            JSONValue.object(unknownField).canonicalJSON, JSONValue.object(badValue).canonicalJSON,
            JSONValue.object(extraMember).canonicalJSON, "\"text\"", "{\"v\":2}", good.canonicalJSON,
        ].joined(separator: ",") + "]}"
        try await harness.test { client in
            let answer = try await client.pushRaw(token, body: body)
            #expect(answer.status == 200)
            #expect(answer.acknowledged == [good.id.description])
            #expect(answer.rejected == ["hqr:100": "unknown_field", "hqr:101": "invalid_value", "hqr:102": "malformed",
                                        "#3": "malformed", "#4": "unsupported_version"])
        }
    }

    @Test("bodies over the limit get 413 payload_too_large; batches over the limit 413 batch_too_large")
    func limits() async throws {
        let harness = try ServerHarness(configuration: ServerConfiguration(port: 0, maxBodyBytes: 4_096, maxBatchOperations: 3))
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        try await harness.test { client in
            let big = "{\"replica\":\"hqr\",\"operations\":[],\"pad\":\"" + String(repeating: "x", count: 10_000) + "\"}"
            let tooBig = try await client.pushRaw(token, body: big)
            #expect(tooBig.status == 413 && errorCode(tooBig.body) == "payload_too_large")
            let ops = try device.record((1...4).map { .set(.member, "a\($0)", "name", .string("A")) })
            let tooMany = try await client.push(token, replica: device.replica, ops)
            #expect(tooMany.status == 413 && errorCode(tooMany.body) == "batch_too_large")
            let fine = try await client.push(token, replica: device.replica, Array(ops.prefix(3)))
            #expect(fine.status == 200 && fine.acknowledged.count == 3)
        }
    }

    @Test("pull parameters are checked; a cursor past the log is a conflict")
    func pullParameters() async throws {
        let harness = try ServerHarness(configuration: ServerConfiguration(port: 0, maxPullLimit: 2))
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        try await harness.test { client in
            _ = try await client.push(token, replica: device.replica,
                                      try device.record((1...5).map { .set(.member, "a\($0)", "name", .string("A")) }))
            for bad in ["cursor=-1", "cursor=abc", "limit=0", "limit=x", "cursor=1.5"] {
                let response = try await client.get("/v1/pull?\(bad)", headers: client.headers(token: token))
                #expect(response.status == 400 && errorCode(response.body) == "invalid_parameter", "\(bad)")
            }
            let clamped = try await client.pull(token, cursor: 0, limit: 100)
            #expect(clamped.operations.count == 2 && clamped.more && clamped.cursor == 2)
            let ahead = try await client.get("/v1/pull?cursor=99", headers: client.headers(token: token))
            #expect(ahead.status == 409 && errorCode(ahead.body) == "cursor_ahead")
            let defaults = try await client.get("/v1/pull", headers: client.headers(token: token))
            #expect(defaults.status == 200)
        }
    }

    @Test("pull pages: cursor, more, and the same page for the same cursor")
    func pullPaging() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        let ops = try device.record((1...7).map { .set(.member, "a\($0)", "name", .string("A")) })
        try await harness.test { client in
            _ = try await client.push(token, replica: device.replica, ops)
            let first = try await client.pull(token, cursor: 0, limit: 3)
            #expect(first.operations == Array(ops.prefix(3)) && first.more && first.cursor == 3)
            let again = try await client.pull(token, cursor: 0, limit: 3)
            #expect(again.body == first.body)
            let (all, end) = try await client.pullAll(token, limit: 3)
            #expect(all == ops && end == 7)
            let last = try await client.pull(token, cursor: end)
            #expect(last.operations.isEmpty && !last.more && last.cursor == 7)
        }
    }

    @Test("digest answers the hex digest and entity count, and the list on request")
    func digest() async throws {
        let harness = try ServerHarness()
        let token = try await harness.token("hq", .hq)
        let device = try Device("hqr", member: "hq")
        try await harness.test { client in
            _ = try await client.push(token, replica: device.replica,
                                      try device.record([.set(.member, "a1", "name", .string("A")), .set(.member, "a2", "name", .string("B"))]))
            let plain = try await client.get("/v1/digest", headers: client.headers(token: token))
            let json = try parseJSON(plain.body).objectValue ?? [:]
            #expect(json["entities"] == .int(2) && json["visible"] == nil)
            #expect(json["digest"]?.stringValue == (try device.store.stateDigest()))
            let listed = try await client.digest(token)
            #expect(listed.visible == [EntityKey(.member, "a1"), EntityKey(.member, "a2")])
        }
    }
}
