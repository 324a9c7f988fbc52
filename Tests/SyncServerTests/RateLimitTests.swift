import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SyncCore
import SyncServer
import Testing

/// The per-token rate limit on the authenticated `/v1` routes: token buckets on the injected
/// clock (a `ManualWallClock` here, so nothing depends on how fast the machine is).
@Suite("Rate limits")
struct RateLimitTests {
    /// An app on `harness` with `configuration`'s limits and, optionally, a limiter the test can inspect.
    static func app(_ harness: ServerHarness, _ configuration: ServerConfiguration,
                    limiter: RateLimiter? = nil) -> some ApplicationProtocol {
        var logger = Logger(label: "civicsync.test")
        logger.logLevel = .warning
        return buildApplication(configuration: configuration, storage: harness.storage, wallClock: harness.clock,
                                ids: SeededIDSource(seed: 99), logger: logger, metrics: harness.metrics, rateLimiter: limiter)
    }

    @Test("a token over its burst gets 429 rate_limited with Retry-After; other tokens are not affected")
    func overTheBurst() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, rateLimitPerSecond: 2, rateLimitBurst: 3)
        let busy = try await harness.token("m1", .monitor)
        let other = try await harness.token("m2", .monitor)
        try await Self.app(harness, configuration).test(.router) { client in
            for _ in 0..<3 {
                #expect(try await client.get("/v1/pull", headers: client.headers(token: busy)).status == 200)
            }
            let refused = try await client.get("/v1/digest", headers: client.headers(token: busy))
            #expect(refused.status == 429)
            #expect(refused.headers[.retryAfter] == "1", "\(refused.headers)")
            #expect(refused.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(errorCode(refused.body) == "rate_limited")
            let push = try await client.pushRaw(busy, body: "{}")
            #expect(push.status == 429 && errorCode(push.body) == "rate_limited")
            // Another token has its own bucket; open routes are not limited.
            #expect(try await client.get("/v1/pull", headers: client.headers(token: other)).status == 200)
            #expect(try await client.get("/v1/health").status == 200)
            let metrics = try await client.get("/metrics")
            #expect(metrics.body.contains("civicsync_rate_limited_total 2"))
            #expect(metrics.body.contains("civicsync_http_requests_total{method=\"GET\",route=\"/v1/digest\",status=\"429\"} 1"))
        }
    }

    @Test("the bucket refills at the configured rate on the injected clock, never beyond the burst")
    func refills() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, rateLimitPerSecond: 2, rateLimitBurst: 3)
        let token = try await harness.token("m1", .monitor)
        try await Self.app(harness, configuration).test(.router) { client async throws in
            func status() async throws -> Int { try await client.get("/v1/pull", headers: client.headers(token: token)).status }
            for _ in 0..<3 { #expect(try await status() == 200) }
            #expect(try await status() == 429)
            harness.clock.advance(by: 500) // 2 per second: one more request
            #expect(try await status() == 200)
            #expect(try await status() == 429)
            harness.clock.advance(by: 3_600_000) // an hour idle: back to the burst, not more
            for _ in 0..<3 { #expect(try await status() == 200) }
            #expect(try await status() == 429)
        }
    }

    @Test("shared by n instances, a limiter allows 1/n of the burst and of the rate")
    func shares() async throws {
        let clock = ManualWallClock(milliseconds: 0)
        let limiter = RateLimiter(requestsPerSecond: 100, burst: 1_000, clock: clock)
        await limiter.setShare(4)
        var allowed = 0
        for _ in 0..<1_000 where await limiter.admit("t") == .allowed { allowed += 1 }
        #expect(allowed == 250)
        clock.advance(by: 1_000) // 25 requests regained in a second, not 100
        allowed = 0
        for _ in 0..<100 where await limiter.admit("t") == .allowed { allowed += 1 }
        #expect(allowed == 25)
        #expect(await limiter.admit("t") == .limited(retryAfterSeconds: 1))
        await limiter.setShare(1)
        clock.advance(by: 1_000)
        allowed = 0
        for _ in 0..<200 where await limiter.admit("t") == .allowed { allowed += 1 }
        #expect(allowed == 100)
    }

    @Test("0 turns the limit off")
    func disabled() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, rateLimitPerSecond: 0, rateLimitBurst: 1)
        #expect(RateLimiter(configuration, clock: harness.clock) == nil)
        let token = try await harness.token("m1", .monitor)
        try await Self.app(harness, configuration).test(.router) { client async throws in
            for _ in 0..<50 {
                #expect(try await client.get("/v1/pull", headers: client.headers(token: token)).status == 200)
            }
        }
    }

    @Test("the limiter is keyed by the token's SHA-256 hash, never the token")
    func keyedByHash() async throws {
        let harness = try ServerHarness()
        let limiter = RateLimiter(requestsPerSecond: 5, burst: 10, clock: harness.clock)
        let token = try await harness.token("m1", .monitor)
        try await Self.app(harness, ServerConfiguration(host: "127.0.0.1", port: 0), limiter: limiter).test(.router) { client async throws in
            #expect(try await client.get("/v1/pull", headers: client.headers(token: token)).status == 200)
            // Unknown tokens are refused before the limiter and get no bucket.
            #expect(try await client.get("/v1/pull", headers: client.headers(token: token + "x")).status == 401)
        }
        #expect(await limiter.isTracking(TokenAuthority.hash(token)))
        #expect(await !limiter.isTracking(token))
        #expect(await limiter.trackedKeys == 1)
    }

    @Test("with the defaults, 100 replicas syncing at once with their own tokens are never limited")
    func defaultsLetReplicasSync() async throws {
        let harness = try ServerHarness() // default configuration; the manual clock never moves, so only the burst counts
        let members = (1...100).map { "m\($0)" }
        var tokens: [String: String] = [:]
        for member in members { tokens[member] = try await harness.token(member, .monitor) }
        let frozenTokens = tokens
        try await harness.test { client in
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for member in members {
                    group.addTask {
                        // Five syncs in a day, each after a new case: push it, pull to the end, compare digests.
                        let token = frozenTokens[member]!
                        let device = try Device("\(member)r", member: member)
                        var statuses: [Int] = [], cursor: Int64 = 0
                        for index in 1...5 {
                            let ops = try device.record(World.caseWrites("c-\(member)-\(index)", submitter: member, branch: "busan"))
                            statuses.append(try await client.push(token, replica: device.replica, ops).status)
                            for _ in 0..<100 {
                                let response = try await client.get("/v1/pull?cursor=\(cursor)&limit=5", headers: client.headers(token: token))
                                statuses.append(response.status)
                                guard response.status == 200, let page = try parseJSON(response.body).objectValue,
                                      let next = page["cursor"]?.intValue else { break }
                                cursor = next
                                if page["more"] != .bool(true) { break }
                            }
                            statuses.append(try await client.get("/v1/digest", headers: client.headers(token: token)).status)
                        }
                        return statuses
                    }
                }
                var requests = 0
                for try await statuses in group {
                    requests += statuses.count
                    #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
                }
                #expect(requests >= 100 * 15)
            }
        }
    }
}

/// The limiter itself: retry times, eviction of idle keys, clocks that step back.
@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("Retry-After is whole seconds and at least 1")
    func retryAfter() async {
        let clock = ManualWallClock(milliseconds: 1_000_000)
        let limiter = RateLimiter(requestsPerSecond: 1, burst: 1, clock: clock)
        #expect(await limiter.admit("k") == .allowed)
        #expect(await limiter.admit("k") == .limited(retryAfterSeconds: 1))
        clock.advance(by: 999)
        #expect(await limiter.admit("k") == .limited(retryAfterSeconds: 1))
        clock.advance(by: 1)
        #expect(await limiter.admit("k") == .allowed)
        let fast = RateLimiter(requestsPerSecond: 1_000, burst: 1, clock: clock)
        #expect(await fast.admit("k") == .allowed)
        #expect(await fast.admit("k") == .limited(retryAfterSeconds: 1))
    }

    @Test("a full table forgets refilled keys first, then the least recently used; memory stays bounded")
    func eviction() async {
        let clock = ManualWallClock(milliseconds: 1_000_000)
        let limiter = RateLimiter(requestsPerSecond: 1, burst: 10, maxTrackedKeys: 2, clock: clock)
        for _ in 0..<10 { _ = await limiter.admit("busy") }
        _ = await limiter.admit("idle")
        clock.advance(by: 2_000) // "idle" is full again, "busy" has regained only 2
        _ = await limiter.admit("new")
        #expect(await limiter.trackedKeys == 2)
        #expect(await limiter.isTracking("busy"))
        #expect(await limiter.isTracking("new"))
        #expect(await !limiter.isTracking("idle"))
        // "busy" still remembers it is nearly empty: 2 regained, then refused.
        #expect(await limiter.admit("busy") == .allowed)
        #expect(await limiter.admit("busy") == .allowed)
        #expect(await limiter.admit("busy") == .limited(retryAfterSeconds: 1))
        // Nobody refilled: the least recently used ("new") makes room.
        _ = await limiter.admit("third")
        #expect(await limiter.trackedKeys == 2)
        #expect(await limiter.isTracking("busy"))
        #expect(await limiter.isTracking("third"))
        #expect(await !limiter.isTracking("new"))
        for index in 0..<1_000 { _ = await limiter.admit("k\(index)") }
        #expect(await limiter.trackedKeys == 2)
    }

    @Test("a clock that steps back refills nothing and does not lock the key out")
    func clockStepsBack() async {
        let clock = ManualWallClock(milliseconds: 10_000_000)
        let limiter = RateLimiter(requestsPerSecond: 1, burst: 2, clock: clock)
        #expect(await limiter.admit("k") == .allowed)
        #expect(await limiter.admit("k") == .allowed)
        clock.advance(by: -3_600_000)
        #expect(await limiter.admit("k") == .limited(retryAfterSeconds: 1))
        clock.advance(by: 1_000) // one second after the step back, not an hour
        #expect(await limiter.admit("k") == .allowed)
    }
}
