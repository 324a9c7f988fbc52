import FieldClient
import Foundation
import SyncCore

/// A device's clock: the true time (the harness's manual clock) plus a skew that a test can
/// change, as when someone sets a wrong clock right.
final class DeviceClock: WallClock, @unchecked Sendable {
    // @unchecked: `skew` is only touched while holding `lock`.
    private let lock = NSLock()
    private let trueTime: ManualWallClock
    private var skew: Int64

    init(trueTime: ManualWallClock, skewMilliseconds: Int64) {
        self.trueTime = trueTime
        skew = skewMilliseconds
    }

    func nowMilliseconds() -> Int64 { lock.withLock { trueTime.nowMilliseconds() + skew } }
    func setSkew(_ milliseconds: Int64) { lock.withLock { skew = milliseconds } }
    /// Setting the device's clock does not move its monotonic clock (true time, one boot).
    func monotonicReading() -> MonotonicReading? { MonotonicReading(boot: "test-device", milliseconds: trueTime.nowMilliseconds()) }
}

/// A field replica (the real `FieldReplica` and `SyncClient`) syncing over real HTTP with a
/// live app of a `ServerHarness` on 127.0.0.1.
struct FieldDevice: Sendable {
    let replica: FieldReplica
    let clock: DeviceClock

    init(_ harness: ServerHarness, port: Int, member: String, role: Role, branch: String? = nil, prefix: String,
         token: String, skewMilliseconds: Int64 = 0, batchSize: Int = 500, seed: UInt64, schema: SyncSchema = .civic,
         path: String? = nil) throws {
        let clock = DeviceClock(trueTime: harness.clock, skewMilliseconds: skewMilliseconds)
        self.clock = clock
        let setup = FieldReplica.Setup(memberID: member, name: member.capitalized, role: role, branch: branch, refPrefix: prefix)
        if let path {
            replica = try FieldReplica.create(path: path, setup: setup, wallClock: clock, ids: SeededIDSource(seed: seed), schema: schema)
        } else {
            replica = try FieldReplica.createInMemory(setup: setup, wallClock: clock, ids: SeededIDSource(seed: seed), schema: schema)
        }
        var settings = SyncSettings(serverURL: "http://127.0.0.1:\(port)", token: token)
        settings.batchSize = batchSize
        settings.retries = 0
        try replica.setRemote(settings)
    }

    /// The same replica file opened again by another program version (another schema).
    init(reopening other: FieldDevice, schema: SyncSchema) throws {
        clock = other.clock
        replica = try FieldReplica.open(path: other.replica.path!, wallClock: other.clock, ids: SeededIDSource(seed: 1), schema: schema)
    }

    @discardableResult
    func sync() async throws -> SyncReport {
        try await replica.syncClient().sync()
    }

    /// Every operation of this replica's log.
    var operations: [SyncOperation] { get throws { try replica.operations().map(\.operation) } }
}
