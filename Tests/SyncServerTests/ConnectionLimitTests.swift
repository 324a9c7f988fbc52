import Foundation
import SyncCore
import SyncServer
import Testing

/// Header and idle timeouts and the connection cap, with real sockets against a real server on
/// 127.0.0.1. The timeouts are configured short; the tests wait for the server to act (with a
/// generous safety limit) and never assert how long anything took.
@Suite("Connection limits", .serialized)
struct ConnectionLimitTests {
    @Test("a connection that sends no complete request head is closed after the header timeout")
    func headerTimeout() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, idleTimeout: .seconds(300),
                                                headerTimeout: .seconds(1))
        try await LiveServer.run(harness, configuration: configuration) { port in
            let silent = try RawConnection.open(port: port)
            let trickle = try RawConnection.open(port: port)
            let prompt = try RawConnection.open(port: port)
            defer { silent.close(); trickle.close(); prompt.close() }
            trickle.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n") // the head never ends
            #expect(await prompt.request("/v1/health")?.status == 200)

            // The idle timeout is five minutes: only the header timeout can close these two.
            #expect(await silent.closedByServer() == .closed(received: ""))
            #expect(await trickle.closedByServer() == .closed(received: ""))
            // A connection that sent its head in time is not touched, and keeps serving.
            #expect(!prompt.isClosed())
            #expect(await prompt.request("/v1/health")?.status == 200)
            let metrics = await prompt.request("/metrics")?.body ?? ""
            #expect(metrics.contains("civicsync_header_timeouts_total 2"), "\(metrics)")
        }
    }

    @Test("a kept-alive connection that goes quiet is closed after the idle timeout")
    func idleTimeout() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, idleTimeout: .milliseconds(500), headerTimeout: nil)
        try await LiveServer.run(harness, configuration: configuration) { port in
            let connection = try RawConnection.open(port: port)
            defer { connection.close() }
            #expect(await connection.request("/v1/health")?.status == 200)
            #expect(await connection.closedByServer() == .closed(received: ""))
            // With the header timeout off, a connection that never sends anything is idle too.
            let silent = try RawConnection.open(port: port)
            defer { silent.close() }
            #expect(await silent.closedByServer() == .closed(received: ""))
        }
    }

    @Test("connections over the cap are closed at once; health answers on a fresh connection once others close")
    func connectionCap() async throws {
        let harness = try ServerHarness()
        let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, headerTimeout: .seconds(60), maxConnections: 2)
        try await LiveServer.run(harness, configuration: configuration) { port in
            // Two connections fill the cap (each answered once, so both are surely counted).
            let first = try RawConnection.open(port: port)
            let second = try RawConnection.open(port: port)
            defer { first.close(); second.close() }
            #expect(await first.request("/v1/health")?.status == 200)
            #expect(await second.request("/v1/health")?.status == 200)

            // A third is accepted by the kernel and closed by the server without an answer,
            // whether it says nothing or asks for something.
            let silent = try RawConnection.open(port: port)
            defer { silent.close() }
            #expect(await silent.closedByServer() == .closed(received: ""))
            let asking = try RawConnection.open(port: port)
            defer { asking.close() }
            #expect(await asking.request("/v1/health") == nil)

            // The admitted connections keep working.
            #expect(await first.request("/v1/health")?.status == 200)
            let metrics = await second.request("/metrics")?.body ?? ""
            #expect(metrics.contains("civicsync_connections_refused_total 2"), "\(metrics)")

            // Once one closes, a fresh connection gets health (the server may take a moment to
            // see the close, so a refused attempt is retried).
            first.close()
            var status: Int?
            for _ in 0..<200 where status != 200 {
                let fresh = try RawConnection.open(port: port)
                status = await fresh.request("/v1/health")?.status
                fresh.close()
                if status != 200 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == 200)
        }
    }

    @Test("the default connection cap leaves file descriptors for the server itself")
    func defaultCap() {
        #expect(ServerConfiguration().maxConnections == 4_096)
        #expect(ServerConfiguration.defaultMaxConnections(fileDescriptorLimit: nil) == 4_096)
        #expect(ServerConfiguration.defaultMaxConnections(fileDescriptorLimit: 1_048_576) == 4_096)
        #expect(ServerConfiguration.defaultMaxConnections(fileDescriptorLimit: 1_024) == 768)
        #expect(ServerConfiguration.defaultMaxConnections(fileDescriptorLimit: 100) == 16)
    }
}
