import Foundation
import SyncCore

/// A JSON value with ordered members and floating-point numbers (SyncCore's `JSONValue` has
/// neither: it is the wire's canonical form).
indirect enum JSONOut: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONOut])
    case object([(String, JSONOut)])

    var text: String {
        var out = ""
        write(&out)
        return out
    }

    func write(_ out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d):
            if !d.isFinite { out += "null" }
            else if d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) }
            else { out += String(format: "%.6g", d).replacingOccurrences(of: "+", with: "") }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(&out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSONOut.string(key).write(&out)
                out += ":"
                value.write(&out)
            }
            out += "}"
        }
    }
}

/// One figure of a workload: what was measured, against what, and whether it meets its target.
struct Measure: Sendable {
    /// Short name within the workload ("memory", "files", "1.2M-op store vs empty", …).
    var name: String
    /// The figure for people: "48,600 edits/s; SyncCore 0.41 s, plain 0.05 s".
    var figure: String
    var ratio: Double?
    var perSecond: Double?
    var p50Ms: Double?
    var p99Ms: Double?
    /// The target in words ("<= 2.5x"), empty when only reported.
    var target: String = ""
    /// nil: reported only.
    var met: Bool?
    /// Extra figures for the JSON (seconds, counts, bytes).
    var extra: [(String, JSONOut)] = []

    var json: JSONOut {
        var members: [(String, JSONOut)] = [("name", .string(name)), ("figure", .string(figure))]
        if let ratio { members.append(("ratio", .number(ratio))) }
        if let perSecond { members.append(("per_second", .number(perSecond))) }
        if let p50Ms { members.append(("p50_ms", .number(p50Ms))) }
        if let p99Ms { members.append(("p99_ms", .number(p99Ms))) }
        if !target.isEmpty { members.append(("target", .string(target))) }
        members.append(("met", met.map(JSONOut.bool) ?? .null))
        members += extra
        return .object(members)
    }
}

/// One workload's result: its headline fields (what `--json`'s `workloads` entries carry at
/// the top: `ratio`, `per_second`, `p99_ms`, whichever apply) and every measure behind them.
struct WorkloadResult: Sendable {
    var id: WorkloadID
    var title: String
    var measures: [Measure] = []
    var ratio: Double?
    var perSecond: Double?
    var p99Ms: Double?
    var notes: [String] = []
    var seconds: Double = 0
    /// Set when the workload could not run to the end.
    var failure: String?

    /// Met when every measure with a target met it; nil when nothing had a target.
    var met: Bool? {
        if failure != nil { return false }
        let judged = measures.compactMap(\.met)
        return judged.isEmpty ? nil : judged.allSatisfy { $0 }
    }

    var json: JSONOut {
        var members: [(String, JSONOut)] = [("id", .string(id.rawValue)), ("title", .string(title))]
        if let ratio { members.append(("ratio", .number(ratio))) }
        if let perSecond { members.append(("per_second", .number(perSecond))) }
        if let p99Ms { members.append(("p99_ms", .number(p99Ms))) }
        members.append(("met", met.map(JSONOut.bool) ?? .null))
        members.append(("seconds", .number(seconds)))
        if let failure { members.append(("error", .string(failure))) }
        members.append(("measures", .array(measures.map(\.json))))
        if !notes.isEmpty { members.append(("notes", .array(notes.map(JSONOut.string)))) }
        return .object(members)
    }
}

enum Format {
    /// 26500.4 → "26,500".
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        return formatter.string(from: NSNumber(value: value.rounded())) ?? String(Int(value))
    }
    static func count(_ value: Int) -> String { count(Double(value)) }
    static func ratio(_ value: Double?) -> String { value.map { String(format: "%.2fx", $0) } ?? "" }
    static func seconds(_ value: Double) -> String { value < 10 ? String(format: "%.3f s", value) : String(format: "%.1f s", value) }
    static func ms(_ value: Double) -> String { value < 10 ? String(format: "%.2f ms", value) : String(format: "%.0f ms", value) }
    static func bytes(_ value: Int) -> String {
        let v = Double(value)
        let kib = 1024.0, mib = kib * 1024, gib = mib * 1024
        if v >= gib { return String(format: "%.2f GiB", v / gib) }
        if v >= mib { return String(format: "%.1f MiB", v / mib) }
        if v >= kib { return String(format: "%.1f KiB", v / kib) }
        return "\(value) B"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// Prints the results as a table (text) or one JSON object.
struct Reporter {
    var options: Options
    var machine: Machine

    func text(_ results: [WorkloadResult], totalSeconds: Double) -> String {
        var lines: [String] = []
        lines.append("CivicSync benchmark (issue 11): \(results.count) workload(s) in \(Format.seconds(totalSeconds))")
        lines.append("machine: \(machine.summary); load \(Machine.loadNow().map { String(format: "%.2f", $0) } ?? "?") at the end")
        lines.append("options: " + options.summary.map { "\($0.0)=\($0.1.text)" }.joined(separator: " "))
        lines.append("")
        // The figure last: it is the long one, and the columns before it stay aligned.
        let headers = ["id", "measure", "ratio", "target", "met", "figure"]
        var rows: [[String]] = []
        for result in results {
            if let failure = result.failure {
                rows.append([result.id.rawValue, result.title, "", "", "no", "FAILED: \(failure)"])
            }
            for (index, measure) in result.measures.enumerated() {
                rows.append([index == 0 && result.failure == nil ? result.id.rawValue : "", measure.name, Format.ratio(measure.ratio),
                             measure.target, measure.met.map { $0 ? "yes" : "NO" } ?? "-", measure.figure])
            }
        }
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ row: [String]) -> String {
            row.enumerated().map { $0.offset == row.count - 1 ? $0.element : Format.pad($0.element, widths[$0.offset]) }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        lines.append(render(headers))
        lines.append(widths.enumerated().map { String(repeating: "-", count: $0.offset == widths.count - 1 ? 6 : $0.element) }
            .joined(separator: "  "))
        var previousID = ""
        for (row, id) in zip(rows, rowsIDs(results)) {
            if id != previousID && !previousID.isEmpty { lines.append("") }
            previousID = id
            lines.append(render(row))
        }
        lines.append("")
        for result in results {
            let verdict = result.met.map { $0 ? "met" : "NOT met" } ?? "reported"
            lines.append("\(result.id.rawValue) \(result.title): \(verdict), \(Format.seconds(result.seconds))")
            for note in result.notes { lines.append("    \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    private func rowsIDs(_ results: [WorkloadResult]) -> [String] {
        results.flatMap { result in Array(repeating: result.id.rawValue, count: result.measures.count + (result.failure == nil ? 0 : 1)) }
    }

    func json(_ results: [WorkloadResult], totalSeconds: Double) -> String {
        JSONOut.object([
            ("workloads", .array(results.map(\.json))),
            ("machine", machine.json),
            ("load_at_end", Machine.loadNow().map(JSONOut.number) ?? .null),
            ("options", .object(options.summary)),
            ("seconds", .number(totalSeconds)),
        ]).text
    }
}
