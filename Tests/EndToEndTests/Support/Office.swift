import FieldClient
import Foundation
import SyncCore

/// One device in an end-to-end story: a real replica file synced with the real server.
struct Device {
    let name: String
    let replica: FieldReplica
    let clock: ManualWallClock

    /// Creates the replica and configures its server and token.
    init(name: String, directory: TemporaryDirectory, setup: FieldReplica.Setup, skewMilliseconds: Int64,
         server: ServerProcess, token: String, seed: UInt64) throws {
        self.name = name
        clock = ManualWallClock(milliseconds: Device.monday + skewMilliseconds)
        replica = try FieldReplica.create(path: directory.path("\(name).replica"), setup: setup, wallClock: clock,
                                          ids: SeededIDSource(seed: seed))
        var settings = SyncSettings(serverURL: server.baseURL, token: token)
        settings.batchSize = 7      // small batches: many requests, like a slow link
        settings.pullLimit = 9
        settings.backoffMilliseconds = 10
        try replica.setRemote(settings)
    }

    /// 2026-03-02 09:00 UTC, a Monday.
    static let monday: Int64 = 1_772_442_000_000

    func advance(hours: Int64) { clock.advance(by: hours * 3_600_000) }

    @discardableResult
    func sync(transport: (any SyncTransport)? = nil) async throws -> SyncReport {
        try await replica.syncClient(transport: transport).sync()
    }

    var operationIDs: Set<String> { get throws { try replica.store.allOperationIDs() } }
}

/// A transport that fails (as if the link dropped) after a number of requests.
final class FlakyTransport: SyncTransport, @unchecked Sendable {
    // @unchecked: `remaining` is guarded by `lock`.
    private let inner: URLSessionTransport
    private let lock = NSLock()
    private var remaining: Int

    init(baseURL: String, failAfter requests: Int) {
        inner = URLSessionTransport(baseURL: URL(string: baseURL)!, timeout: 10)
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
