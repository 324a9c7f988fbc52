import Foundation

/// The progress line `field sync` draws on a terminal.
extension SyncProgress {
    static let barWidth = 24

    /// One line: `pull      [██████······]  52%  12,345 of 23,700 operations  3,210/s  0:04 left`.
    public func barLine(elapsed: Duration) -> String {
        let progress = self
        let name = progress.phase.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0.2 ? Double(progress.done) / seconds : nil
        let unit = progress.unit == .bytes ? "" : " operations"
        func amount(_ value: Int64) -> String { progress.unit == .bytes ? Self.bytes(Double(value)) : Self.count(Double(value)) }
        guard let total = progress.total, total > 0, progress.phase != .verify else {
            if progress.phase == .verify { return "\(name)comparing digests with the server" }
            return "\(name)\(amount(progress.done))\(unit)" + (rate.map { "  \(progress.unit == .bytes ? Self.bytes($0) : Self.count($0))/s" } ?? "")
                + "  (pushed \(progress.pushed), pulled \(progress.pulled), \(progress.batches) request(s))"
        }
        let fraction = min(1, max(0, Double(progress.done) / Double(total)))
        let filled = Int((fraction * Double(Self.barWidth)).rounded(.down))
        var text = "\(name)[" + String(repeating: "█", count: filled) + String(repeating: "·", count: Self.barWidth - filled) + "]"
        text += String(format: " %3d%%  ", Int((fraction * 100).rounded(.down))) + "\(amount(progress.done)) of \(amount(total))\(unit)"
        if let rate, rate > 0 {
            text += "  \(progress.unit == .bytes ? Self.bytes(rate) : Self.count(rate))/s"
            let left = Double(total - progress.done) / rate
            if left >= 1 { text += "  \(Self.clock(left)) left" }
        }
        return text
    }

    static func count(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value.rounded())) ?? String(Int(value))
    }

    static func bytes(_ value: Double) -> String {
        let kilo = 1_024.0
        if value >= kilo * kilo * kilo { return String(format: "%.1f GB", value / (kilo * kilo * kilo)) }
        if value >= kilo * kilo { return String(format: "%.1f MB", value / (kilo * kilo)) }
        if value >= kilo { return String(format: "%.0f KB", value / kilo) }
        return "\(Int(value)) B"
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
