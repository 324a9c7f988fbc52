import SyncCore
/// How finely a report splits its period into rows: per month, quarter or year.
public enum ReportGrain: String, Sendable, Codable, CaseIterable {
    case month
    case quarter
    case year

    /// The grain used when none is asked for: a year is shown per quarter (the case study's
    /// reply rates are quarterly), a quarter or a month per month, `all` per year.
    public static func `default`(for period: ReportPeriod) -> ReportGrain {
        switch period {
        case .all: .year
        case .year: .quarter
        case .quarter, .month: .month
        }
    }

    /// Parses `month`, `quarter` or `year`.
    public init(parsing text: String) throws {
        guard let grain = ReportGrain(rawValue: text) else {
            throw SyncError(.invalidValue, "'\(text.prefix(20))' is not a grain; use month, quarter or year")
        }
        self = grain
    }

    /// The rows of `period` at this grain, oldest first. `all` is split over `years` (the years
    /// the data covers); a grain coarser than the period gives the period itself.
    public func split(_ period: ReportPeriod, years: ClosedRange<Int>?) -> [ReportPeriod] {
        switch period {
        case .all:
            guard let years else { return [] }
            return years.flatMap { split(.year($0), years: nil) }
        case .year(let y):
            switch self {
            case .month: return (1...12).map { .month(y, $0) }
            case .quarter: return (1...4).map { .quarter(y, $0) }
            case .year: return [period]
            }
        case .quarter(let y, let q):
            return self == .month ? (3 * q - 2...3 * q).map { .month(y, $0) } : [period]
        case .month:
            return [period]
        }
    }
}
