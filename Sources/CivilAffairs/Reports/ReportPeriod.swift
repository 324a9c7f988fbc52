import SyncCore
/// A reporting period: a month (`2026-03`), a quarter (`2026-Q1`), a year (`2026`) or `all`.
/// Facts are placed in a period by a calendar date (`YYYY-MM-DD`): a milestone's `reached_on`,
/// a meeting's date, a consultation's `receivedOn`.
public enum ReportPeriod: Hashable, Sendable, CustomStringConvertible, Codable {
    case all
    case year(Int)
    case quarter(Int, Int)
    case month(Int, Int)

    /// Parses `all`, `YYYY`, `YYYY-Qn` or `YYYY-MM`.
    public init(parsing text: String) throws {
        let fail = SyncError(.invalidValue, "'\(text.prefix(40))' is not a period; use all, YYYY (2026), YYYY-Qn (2026-Q1) or YYYY-MM (2026-03)")
        if text == "all" { self = .all; return }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, first.count == 4, first.allSatisfy(\.isASCIIDigit), let year = Int(first), year >= 1900 else { throw fail }
        switch parts.count {
        case 1: self = .year(year)
        case 2 where parts[1].count == 2 && parts[1].first == "Q":
            guard let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { throw fail }
            self = .quarter(year, q)
        case 2 where parts[1].count == 2 && parts[1].allSatisfy(\.isASCIIDigit):
            guard let m = Int(parts[1]), (1...12).contains(m) else { throw fail }
            self = .month(year, m)
        default: throw fail
        }
    }

    /// The first and last day, as `YYYY-MM-DD` (inclusive); nil for `all`.
    public var bounds: (from: String, to: String)? {
        switch self {
        case .all: return nil
        case .year(let y): return (CivilDate(year: y, month: 1, day: 1).description, CivilDate(year: y, month: 12, day: 31).description)
        case .quarter(let y, let q):
            return (CivilDate(year: y, month: 3 * q - 2, day: 1).description, ReportPeriod.month(y, 3 * q).bounds!.to)
        case .month(let y, let m):
            return (CivilDate(year: y, month: m, day: 1).description,
                    CivilDate(year: y, month: m, day: CivilDate.daysInMonth(year: y, month: m)).description)
        }
    }

    /// Whether a `YYYY-MM-DD` date lies in the period (`all` contains every date, even a missing one).
    public func contains(_ date: String?) -> Bool {
        guard let bounds else { return true }
        guard let date else { return false }
        return date >= bounds.from && date <= bounds.to
    }

    /// Whether a whole period lies within this one (a year is not within one of its quarters;
    /// every period is within `all`, and `all` only within `all`).
    public func encloses(_ other: ReportPeriod) -> Bool {
        guard let outer = bounds else { return true }
        guard let inner = other.bounds else { return false }
        return inner.from >= outer.from && inner.to <= outer.to
    }

    /// The same period a year earlier (`all` stays `all`).
    public var yearBefore: ReportPeriod {
        switch self {
        case .all: .all
        case .year(let y): .year(y - 1)
        case .quarter(let y, let q): .quarter(y - 1, q)
        case .month(let y, let m): .month(y - 1, m)
        }
    }

    /// The month containing a date.
    public static func month(of date: String) -> ReportPeriod? {
        guard let civil = CivilDate(date) else { return nil }
        return .month(civil.year, civil.month)
    }

    public var description: String {
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        switch self {
        case .all: return "all"
        case .year(let y): return String(y)
        case .quarter(let y, let q): return "\(y)-Q\(q)"
        case .month(let y, let m): return "\(y)-\(pad(m))"
        }
    }

    public init(from decoder: any Decoder) throws {
        self = try ReportPeriod(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
