import SyncCore

/// What the dashboard asks the storage for: the filters chosen in the page and how much of
/// each list to show. A plain value so every store (SQLite now, PostgreSQL later) reads the
/// same request and the HTTP layer never touches a database.
public struct DashboardRequest: Sendable, Hashable {
    /// The period to show; nil means "the latest year that has cases" (so a fresh page shows a
    /// year with its change against the year before, not an empty current year).
    public var period: ReportPeriod?
    /// One branch, or nil for the whole country.
    public var branch: String?
    /// The instant of the request (milliseconds since the epoch): open cases wait until then.
    public var nowMilliseconds: Int64
    /// Rows of the points leaderboard.
    public var leaderboardLimit: Int
    /// Ranks in each month's best-monitor list.
    public var bestCount: Int
    /// Most conflicts listed (the total is always given).
    public var conflictLimit: Int

    public init(period: ReportPeriod? = nil, branch: String? = nil, now nowMilliseconds: Int64,
                leaderboardLimit: Int = 10, bestCount: Int = 3, conflictLimit: Int = 50) {
        self.period = period
        self.branch = branch
        self.nowMilliseconds = nowMilliseconds
        self.leaderboardLimit = leaderboardLimit
        self.bestCount = bestCount
        self.conflictLimit = conflictLimit
    }

    /// The SyncCore report filter for a resolved period. The dashboard draws its lines per
    /// month, so the grain is always `month`.
    public func reports(period: ReportPeriod) -> HQReports {
        HQReports(period: period, branch: branch, grain: .month, now: nowMilliseconds,
                  leaderboardLimit: leaderboardLimit, bestCount: bestCount)
    }
}
