import SyncCore
/// The arithmetic every HQ figure shares, in one place so that the server, an HQ replica and
/// the tests round the same way: percentages and day counts have one decimal, rounded half
/// away from zero (202.666… → 202.7).
enum ReportMath {
    static let millisecondsPerDay = 86_400_000.0

    /// One decimal.
    static func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// `part` of `whole` in percent, one decimal; nil when `whole` is 0.
    static func percent(_ part: Int, of whole: Int) -> Double? {
        whole == 0 ? nil : round1(Double(part) / Double(whole) * 100)
    }

    /// The change from `before` to `now` in percent, one decimal; nil when `before` is 0.
    static func change(from before: Int, to now: Int) -> Double? {
        before == 0 ? nil : round1(Double(now - before) / Double(before) * 100)
    }

    /// The `p`-quantile (0...1) of sorted values by linear interpolation between closest ranks
    /// (the common "type 7" definition: the median of an even count is the mean of the two
    /// middle values). Nil for no values.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }


    /// A CSV cell for a one-decimal number: `202.7`, `-12.5`, `8.0`; empty for nil. Written by
    /// hand so the text never depends on the platform's float formatting.
    static func cell(_ value: Double?) -> String {
        guard let value else { return "" }
        let tenths = Int((value * 10).rounded())
        let magnitude = abs(tenths)
        return (tenths < 0 ? "-" : "") + "\(magnitude / 10).\(magnitude % 10)"
    }

    static func cell(_ value: Int?) -> String { value.map(String.init) ?? "" }
    static func cell(_ value: String?) -> String { value ?? "" }
}
