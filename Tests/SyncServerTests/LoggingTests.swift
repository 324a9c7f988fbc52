import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SyncCore
import SyncServer
import Testing

/// Structured logs: one JSON object per line, each request's lines carrying its request id.
@Suite("Logging")
struct LoggingTests {
    /// Collects log lines.
    final class Lines: @unchecked Sendable {
        // @unchecked: `lines` is only touched while holding `lock`.
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test("every request is logged as JSON with the id returned in X-Request-Id")
    func requestIDs() async throws {
        let lines = Lines()
        let logger = Logger(label: "civicsync.test") { label in JSONLogHandler(label: label, level: .info) { lines.append($0) } }
        let storage = try SQLiteSyncStorage.inMemory()
        let authority = TokenAuthority(storage: storage, ids: SeededIDSource(seed: 1), wallClock: SystemWallClock())
        let token = try await authority.issue(Principal(memberID: "hq", role: .hq)).token
        let app = buildApplication(configuration: ServerConfiguration(port: 0), storage: storage,
                                   ids: SeededIDSource(seed: 5), logger: logger)
        try await app.test(.router) { client in
            let device = try Device("hqr", member: "hq")
            let answer = try await client.push(token, replica: "hqr", try device.record([.set(.member, "a", "name", .string("A"))]))
            #expect(answer.status == 200)
            let response = try await client.execute(uri: "/v1/health", method: .get)
            let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
            let objects = try lines.all.map { try parseJSON($0).objectValue ?? [:] }
            let health = objects.filter { $0["request_id"] == .string(id) }
            #expect(health.count == 1)
            #expect(health.first?["path"] == .string("/v1/health") && health.first?["status"] == .string("200"))
            let push = objects.filter { $0["message"] == .string("push") }
            #expect(push.count == 1 && push.first?["member"] == .string("hq") && push.first?["acknowledged"] == .string("1"))
            let pushID = push.first?["request_id"]
            #expect(pushID != nil && objects.filter { $0["request_id"] == pushID }.count == 2, "the push line and the request line share an id")
        }
    }
}
