import Foundation
import Hummingbird
import Logging
import SyncCore
import SyncServer

/// `buildApplication` served on a real port of 127.0.0.1 (port 0: any free one) for the length
/// of `body`, without a test client of its own: the connection tests count and time out
/// connections, so the only connections are the ones the test opens.
enum LiveServer {
    static func run<Value: Sendable>(_ harness: ServerHarness, configuration: ServerConfiguration,
                                     _ body: @Sendable (Int) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "civicsync.test")
        logger.logLevel = .critical // cancelling the service at the end logs errors that mean nothing here
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(configuration: configuration, storage: harness.storage, wallClock: harness.clock,
                                   ids: SeededIDSource(seed: 99), logger: logger, metrics: harness.metrics) { port in
            continuation.yield(port)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let value = try await body(port)
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
