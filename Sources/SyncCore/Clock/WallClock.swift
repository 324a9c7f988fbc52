import Foundation

/// A source of physical time in milliseconds since the Unix epoch.
///
/// Merge logic never reads the system clock itself: it is handed a `WallClock`, so tests can
/// run replicas with skewed, frozen and jumping clocks.
public protocol WallClock: Sendable {
    func nowMilliseconds() -> Int64
}

/// The machine's real clock, for production use.
public struct SystemWallClock: WallClock {
    public init() {}
    public func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
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
}
