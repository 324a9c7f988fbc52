import SyncCore
/// What a generated data set holds: printed by `field generate` and checked by tests.
public struct DataSetSummary: Codable, Sendable, Hashable {
    public var seed: UInt64
    public var scale: Double
    /// The main year (the year before it is the pilot year).
    public var year: Int
    public var firstDay: String
    public var lastDay: String
    public var operations: Int = 0
    /// Replicas the operations come from (one per branch, plus headquarters).
    public var replicas: Int = 0
    public var branches: Int = 0
    public var members: Int = 0
    public var externalMonitors: Int = 0
    public var internalMonitors: Int = 0
    public var staff: Int = 0
    public var experts: Int = 0
    public var cases: Int = 0
    /// Cases reported in the main year (the rest in the pilot year).
    public var casesInYear: Int = 0
    public var meetings: Int = 0
    public var councils: Int = 0
    public var motions: Int = 0
    public var votes: Int = 0
    public var consultations: Int = 0
}
