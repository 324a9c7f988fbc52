import SyncCore
/// One row of a share table: how many cases (or anything counted) have this key, and what
/// percentage of the total that is.
public struct ShareRow: Codable, Sendable, Hashable {
    public var key: String
    /// A readable name for the key when it is a code (the step names).
    public var label: String?
    public var count: Int
    /// Percent of the total, one decimal (nil when the total is 0).
    public var percent: Double?

    public init(key: String, label: String? = nil, count: Int, percent: Double?) {
        self.key = key
        self.label = label
        self.count = count
        self.percent = percent
    }
}
