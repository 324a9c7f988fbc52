import Foundation

/// A source of physical time in milliseconds since the Unix epoch.
///
/// Merge logic never reads the system clock itself: it is handed a `WallClock`, so tests can
/// run replicas with skewed, frozen and jumping clocks.
public protocol WallClock: Sendable {
    func nowMilliseconds() -> Int64
    /// Time elapsed since the machine started, which setting the clock does not move, with the
    /// boot it belongs to; nil when unknown. A replica uses it to notice that someone set the
    /// device's clock since it last measured its offset to the server.
    func monotonicReading() -> MonotonicReading?
}

extension WallClock {
    public func monotonicReading() -> MonotonicReading? { nil }
}

/// A reading of a clock that only moves forward within one boot of the machine.
public struct MonotonicReading: Sendable, Hashable {
    /// Identifies the boot (readings of different boots cannot be compared).
    public var boot: String
    public var milliseconds: Int64
    public init(boot: String, milliseconds: Int64) {
        self.boot = boot
        self.milliseconds = milliseconds
    }
}

/// The machine's real clock, for production use.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Linux's boot id and CLOCK_BOOTTIME (which also counts time asleep).
    public func monotonicReading() -> MonotonicReading? {
        #if os(Linux)
        guard let boot = Self.bootID else { return nil }
        var time = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &time) == 0 else { return nil }
        return MonotonicReading(boot: boot, milliseconds: Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000)
        #else
        return nil
        #endif
    }

    static let bootID: String? = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The device's clock corrected by the offset to the server measured at the last sync. When
/// the device's clock was set since (it moved against the monotonic clock by more than a
/// minute), the correction follows, so a clock set right after a sync does not become wrong.
struct OffsetWallClock: WallClock {
    let base: any WallClock
    let offset: Int64
    /// The device's time and monotonic reading when the offset was measured.
    let anchor: (device: Int64, reading: MonotonicReading)?

    func nowMilliseconds() -> Int64 {
        let device = base.nowMilliseconds()
        return device.addingReportingOverflow(effectiveOffset(device)).partialValue
    }

    func monotonicReading() -> MonotonicReading? { base.monotonicReading() }

    func effectiveOffset(_ device: Int64) -> Int64 {
        guard let anchor, let now = base.monotonicReading(), now.boot == anchor.reading.boot else { return offset }
        let expected = anchor.device &+ (now.milliseconds &- anchor.reading.milliseconds)
        let moved = device &- expected
        return abs(moved) > 60_000 ? offset &- moved : offset
    }
}

/// A clock that returns whatever a test sets, optionally offset (skew), shared by reference.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    // @unchecked: all access to `current` goes through `lock`.
    private let lock = NSLock()
    private var current: Int64

    public init(milliseconds: Int64) { current = milliseconds }

    public func nowMilliseconds() -> Int64 { lock.withLock { current } }
    public func set(_ milliseconds: Int64) { lock.withLock { current = milliseconds } }
    public func advance(by milliseconds: Int64) { lock.withLock { current += milliseconds } }
}

/// A clock that reads another one and adds a fixed skew: a replica whose clock is wrong.
public struct SkewedWallClock: WallClock {
    public let base: any WallClock
    public let skewMilliseconds: Int64
    public init(base: any WallClock, skewMilliseconds: Int64) {
        self.base = base
        self.skewMilliseconds = skewMilliseconds
    }
    public func nowMilliseconds() -> Int64 { base.nowMilliseconds() + skewMilliseconds }
    public func monotonicReading() -> MonotonicReading? { base.monotonicReading() }
}
