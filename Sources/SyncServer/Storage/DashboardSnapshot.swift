import SyncCore

/// Everything the dashboard shows, read from the store in one read transaction so the
/// figures on one page always come from the same state.
public struct DashboardSnapshot: Sendable, Hashable, Codable {
    /// The period shown (the request's, or the latest year with cases).
    public var period: ReportPeriod
    public var branch: String?
    /// Every HQ report for the filter, computed by SyncCore exactly as an HQ replica would.
    public var reports: HQReportBundle
    /// Branches known to the store (cases, consultations, members), for the filter.
    public var branches: [String]
    /// Years that have cases, oldest first, for the filter.
    public var years: [Int]
    /// Conflicts currently visible, at most `DashboardRequest.conflictLimit`.
    public var conflicts: [ConflictSummary]
    /// How many conflicts there are in all (for the filter's branch).
    public var conflictCount: Int
    /// Operations in the server's log: how much the figures are computed from.
    public var operations: Int
    /// Files attached to cases and meetings (of the filter's branch), linked for HQ.
    public var attachments: [DashboardAttachment] = []
    /// Every survey of the filter's scope whatever the period (a trend needs the years before),
    /// for the satisfaction chart; the period's figures are in `reports.satisfaction`.
    public var satisfactionTrend: SatisfactionReport?

    public init(period: ReportPeriod, branch: String?, reports: HQReportBundle, branches: [String], years: [Int],
                conflicts: [ConflictSummary], conflictCount: Int, operations: Int) {
        self.period = period
        self.branch = branch
        self.reports = reports
        self.branches = branches
        self.years = years
        self.conflicts = conflicts
        self.conflictCount = conflictCount
        self.operations = operations
    }
}

/// One attachment as the dashboard lists it.
public struct DashboardAttachment: Sendable, Hashable, Codable {
    public var sha256: String
    public var name: String
    public var mediaType: String
    public var bytes: Int64
    /// `case` or `meeting`, its id and a readable label (reference and title, or title).
    public var entity: String
    public var entityID: String
    public var label: String?
    /// Whether the server holds the bytes (else its author has not synced since attaching).
    public var stored: Bool = false
}
