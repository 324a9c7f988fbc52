/// How much one member may store per UTC day, across all their replicas. Headquarters is not
/// limited (it loads data sets and consolidates); branch staff and monitors are, so a stolen
/// or buggy token cannot fill the server's disk. 0 means no limit.
public struct UsageQuota: Sendable, Equatable {
    /// Operations newly stored per member per UTC day.
    public var operationsPerDay: Int
    /// Bytes of operations (canonical wire form) newly stored per member per UTC day.
    public var bytesPerDay: Int

    public init(operationsPerDay: Int, bytesPerDay: Int) {
        self.operationsPerDay = operationsPerDay
        self.bytesPerDay = bytesPerDay
    }

    /// 100,000 operations and 64 MiB a day: far above a busy branch desk (a hundred
    /// consultations of a dozen operations each), far below what fills a disk.
    public static let standard = UsageQuota(operationsPerDay: 100_000, bytesPerDay: 64 * 1024 * 1024)
    public static let unlimited = UsageQuota(operationsPerDay: 0, bytesPerDay: 0)
}

/// A push that would take its member over their daily quota. Nothing of it was stored; the
/// same push succeeds after `retryAfterSeconds` (the next UTC day).
public struct QuotaExceeded: Error, Sendable, Equatable {
    public var retryAfterSeconds: Int
    public var message: String
}
