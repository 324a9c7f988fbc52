import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SyncCore
import SyncServer
import Testing

/// Issue 14: live sync. `GET /v1/pull?wait=N` answers as soon as an operation the caller may
/// see is stored, or with an empty page at the deadline; on PostgreSQL a push to any instance
/// wakes the pulls waiting on the others (the journal's NOTIFY).
@Suite("live pull (wait)")
struct LivePullTests {
    static func waitingPull(_ client: some TestClientProtocol, token: String, cursor: String, wait: Int) async throws -> (operations: Int, cursor: String, status: Int) {
        var headers = client.headers(token: token)
        headers[HTTPField.Name("CivicSync-Protocol")!] = "2"
        let response = try await client.execute(uri: "/v1/pull?cursor=\(cursor)&limit=100&wait=\(wait)", method: .get, headers: headers)
        let json = try parseJSON(String(buffer: response.body)).objectValue ?? [:]
        return (json["operations"]?.arrayValue?.count ?? -1, json["cursor"]?.stringValue ?? "?", response.status.code)
    }

    @Test("a waiting pull is answered by the push that stores what its caller may see")
    func answeredByAPush() async throws {
        let harness = try ServerHarness()
        let hq = try await harness.token("hq", .hq)
        let busan = try await harness.token("kim", .branch, branch: "busan")
        let device = try Device("hqr", member: "hq")
        try await harness.test { client in
            let start = try await client.pullPage(busan, cursor: "0", limit: 100)
            let waiting = Task { try await Self.waitingPull(client, token: busan, cursor: start.cursor, wait: 50) }
            // A case of another branch does not wake it for good: it looks, sees nothing, waits on.
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.push(hq, replica: "hqr", try device.record(World.caseWrites("cS", submitter: "hq", branch: "seoul")))
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.push(hq, replica: "hqr", try device.record(World.caseWrites("cB", submitter: "hq", branch: "busan")))
            let answer = try await waiting.value
            #expect(answer.status == 200)
            #expect(answer.operations == World.caseWrites("cB", submitter: "hq", branch: "busan").count)
        }
    }

    @Test("with nothing new, a waiting pull answers an empty page at its deadline; a bad wait is a 400")
    func emptyAtTheDeadline() async throws {
        let harness = try ServerHarness()
        let busan = try await harness.token("kim", .branch, branch: "busan")
        try await harness.test { client in
            let answer = try await Self.waitingPull(client, token: busan, cursor: "0", wait: 1)
            #expect(answer.status == 200 && answer.operations == 0)
            for bad in ["-1", "soon"] {
                let response = try await client.execute(uri: "/v1/pull?cursor=0&wait=\(bad)", method: .get, headers: client.headers(token: busan))
                #expect(response.status == .badRequest)
                #expect(errorCode(String(buffer: response.body)) == "invalid_parameter")
            }
        }
    }

    @Test("the change feed wakes every waiter once, misses nothing stored before the wait, and times out")
    func changeFeed() async throws {
        let feed = ChangeFeed()
        let seen = feed.generation
        feed.signal()
        // Stored between the look and the wait: answered at once.
        #expect(await feed.wait(after: seen, timeout: .seconds(30)))
        let now = feed.generation
        #expect(!(await feed.wait(after: now, timeout: .milliseconds(50))))
        async let first = feed.wait(after: now, timeout: .seconds(30))
        async let second = feed.wait(after: now, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(100))
        feed.signal()
        let (woken, alsoWoken) = await (first, second)
        #expect(woken && alsoWoken)
        // A cancelled waiter leaves nothing behind and answers false.
        let cancelled = Task { await feed.wait(after: feed.generation, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(!(await cancelled.value))
    }

    @Test("on PostgreSQL, a push to one instance answers a pull waiting on another")
    func acrossInstances() async throws {
        let (url, _) = try await PostgresStoreTests.database()
        let first = try await PostgresStoreTests.open(url, ServerHarness.temporaryDirectory("pg-a"), instance: "a")
        let second = try await PostgresStoreTests.open(url, ServerHarness.temporaryDirectory("pg-b"), instance: "b")
        defer { first.close(); second.close() }
        let relay = second.relayJournalNotifications()
        defer { relay.cancel() }
        let clock = ManualWallClock(milliseconds: ServerHarness.startMilliseconds)
        let hq = try await TokenAuthority(storage: first, ids: SeededIDSource(seed: 3), wallClock: clock)
            .issue(Principal(memberID: "hq", role: .hq)).token
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let appA = buildApplication(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), storage: first, wallClock: clock, logger: logger)
        let appB = buildApplication(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), storage: second, wallClock: clock, logger: logger)
        let device = try Device("hqr", member: "hq")
        // Let the relay start listening (it signals once when it does).
        for _ in 0..<100 where second.changes.generation == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(second.changes.generation > 0, "the relay never listened")
        try await appB.test(.router) { clientB in
            let waiting = Task { try await Self.waitingPull(clientB, token: hq, cursor: "0", wait: 50) }
            try await Task.sleep(for: .milliseconds(300))
            try await appA.test(.router) { clientA in
                let answer = try await clientA.push(hq, replica: "hqr", try device.record(World.caseWrites("c1", submitter: "hq", branch: nil)))
                #expect(answer.status == 200)
            }
            let answer = try await waiting.value
            #expect(answer.operations == World.caseWrites("c1", submitter: "hq", branch: nil).count)
        }
    }
}
