import SyncCore

/// Per-token token buckets: each key may spend `burst` requests at once and regains
/// `requestsPerSecond` of them every second, up to `burst`.
///
/// Why a bucket per token: one misbehaving replica (a sync loop gone wrong, a leaked token in a
/// script) must not be able to take the server from the other offices, while a normal sync — a
/// few pushes, pull pages back to back, one digest — always fits in the burst.
///
/// Keys are the tokens' SHA-256 hashes, never the tokens, so the limiter's memory holds nothing
/// a dump could replay. At most `maxTrackedKeys` buckets are kept: when a new key arrives and the
/// table is full, buckets that have refilled completely are dropped first (forgetting them
/// changes nothing: a new bucket starts full), then, if every bucket is busy, the one used least
/// recently. Time comes from the injected `WallClock`, so tests drive it with `ManualWallClock`;
/// a clock that steps backwards refills nothing and never locks a token out.
public actor RateLimiter {
    /// What `admit` decided.
    public enum Decision: Sendable, Equatable {
        /// The request may go ahead.
        case allowed
        /// Over the limit: the request is refused, and one more would pass after this many whole seconds (>= 1).
        case limited(retryAfterSeconds: Int)
    }

    /// One key's bucket: the requests it may still spend, as of `updated` (milliseconds), and
    /// when it was last used, as a count of `admit` calls (a clock may not move between two).
    struct Bucket {
        var tokens: Double
        var updated: Int64
        var lastUse: UInt64 = 0
    }

    public nonisolated let requestsPerSecond: Int
    public nonisolated let burst: Int
    public nonisolated let maxTrackedKeys: Int
    private let clock: any WallClock
    private var buckets: [String: Bucket] = [:]
    private var uses: UInt64 = 0
    /// How many instances share the limit (several behind one balancer, on PostgreSQL): each
    /// allows `1 / share` of the rate and of the burst, so a token gets about the configured
    /// rate in all, whichever instance its requests reach.
    public private(set) var share = 1

    /// The rate and burst this instance allows.
    private var rate: Double { Double(requestsPerSecond) / Double(share) }
    private var capacity: Double { max(1, (Double(burst) / Double(share)).rounded(.down)) }

    /// Sets how many instances share the limit (at least 1). Buckets fuller than the new
    /// burst are cut to it.
    public func setShare(_ instances: Int) {
        let instances = max(1, instances)
        guard instances != share else { return }
        share = instances
        let capacity = self.capacity
        for (key, bucket) in buckets where bucket.tokens > capacity { buckets[key]?.tokens = capacity }
    }

    /// - Parameters:
    ///   - requestsPerSecond: sustained rate per key; must be positive (a server with the limit
    ///     turned off builds no limiter).
    ///   - burst: requests a key may send at once; at least 1.
    ///   - maxTrackedKeys: most keys remembered at once; at least 1.
    public init(requestsPerSecond: Int, burst: Int, maxTrackedKeys: Int = 10_000, clock: any WallClock) {
        precondition(requestsPerSecond > 0 && burst > 0 && maxTrackedKeys > 0, "rate limiter settings must be positive")
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.maxTrackedKeys = maxTrackedKeys
        self.clock = clock
    }

    /// The limiter `configuration` asks for, or nil when its rate is 0 (no limit).
    public init?(_ configuration: ServerConfiguration, clock: any WallClock) {
        guard configuration.rateLimitPerSecond > 0 else { return nil }
        self.init(requestsPerSecond: configuration.rateLimitPerSecond, burst: max(1, configuration.rateLimitBurst),
                  maxTrackedKeys: max(1, configuration.rateLimitTrackedTokens), clock: clock)
    }

    /// Spends one request of `key`'s bucket if it has one.
    public func admit(_ key: String) -> Decision {
        let now = clock.nowMilliseconds()
        var bucket: Bucket
        if let known = buckets[key] {
            bucket = refilled(known, at: now)
        } else {
            makeRoom(at: now)
            bucket = Bucket(tokens: capacity, updated: now)
        }
        uses += 1
        bucket.lastUse = uses
        let decision: Decision
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            decision = .allowed
        } else {
            let missing = 1 - bucket.tokens
            let seconds = (missing / rate).rounded(.up)
            decision = .limited(retryAfterSeconds: max(1, Int(seconds)))
        }
        buckets[key] = bucket
        return decision
    }

    /// How many keys are tracked now (for tests and metrics).
    public var trackedKeys: Int { buckets.count }

    /// Whether `key` currently has a bucket (for tests).
    public func isTracking(_ key: String) -> Bool { buckets[key] != nil }

    /// `bucket` with the requests regained since it was last updated. A clock that went
    /// backwards counts as no time passing, and the bucket restarts from the earlier time.
    private func refilled(_ bucket: Bucket, at now: Int64) -> Bucket {
        let elapsed = max(0, now - bucket.updated)
        let tokens = min(capacity, bucket.tokens + Double(elapsed) * rate / 1000)
        return Bucket(tokens: tokens, updated: now, lastUse: bucket.lastUse)
    }

    /// Frees one slot when the table is full: full buckets first, else the least recently used.
    private func makeRoom(at now: Int64) {
        guard buckets.count >= maxTrackedKeys else { return }
        buckets = buckets.filter { refilled($0.value, at: now).tokens < capacity }
        guard buckets.count >= maxTrackedKeys, let oldest = buckets.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
        buckets[oldest.key] = nil
    }
}
