import Foundation
import Histogram

/// Latency percentiles of one kind of request, from an HdrHistogram in microseconds
/// (3 significant digits: p99 is exact to 0.1%).
struct LatencySummary: Sendable {
    var count: Int
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var maxMs: Double
    var meanMs: Double

    var text: String {
        "p50 \(Format.ms(p50Ms)), p99 \(Format.ms(p99Ms)), max \(Format.ms(maxMs)) (\(Format.count(count)) call\(count == 1 ? "" : "s"))"
    }

    var json: [(String, JSONOut)] {
        [("count", .int(count)), ("p50_ms", .number(p50Ms)), ("p90_ms", .number(p90Ms)), ("p99_ms", .number(p99Ms)),
         ("max_ms", .number(maxMs)), ("mean_ms", .number(meanMs))]
    }
}

/// Latencies by label ("push", "pull", "digest", "sync"), recorded from many tasks at once.
actor LatencyBook {
    private var histograms: [String: Histogram<UInt64>] = [:]

    /// Records one latency in seconds.
    func record(_ label: String, seconds: Double) {
        let micros = UInt64(max(1, (seconds * 1e6).rounded()))
        var histogram = histograms[label] ?? Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        _ = histogram.record(min(micros, 3_600_000_000))
        histograms[label] = histogram
    }

    func summary(_ label: String) -> LatencySummary? {
        guard let histogram = histograms[label], histogram.totalCount > 0 else { return nil }
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        return LatencySummary(count: Int(histogram.totalCount), p50Ms: ms(histogram.valueAtPercentile(50)),
                              p90Ms: ms(histogram.valueAtPercentile(90)), p99Ms: ms(histogram.valueAtPercentile(99)),
                              maxMs: ms(histogram.max), meanMs: histogram.mean / 1000)
    }

    func reset() { histograms = [:] }
}
