import SyncCore
/// The reports headquarters can ask for, by the name used on the command line
/// (`field report <name>`) and in URLs.
public enum HQReportName: String, Sendable, Codable, CaseIterable {
    case tasks
    case sources
    case replies
    case breakdown
    case stepTimes = "step-times"
    case reportedBack = "reported-back"
    case points
    case divisions
    case budget
    case satisfaction
    case reexaminations
    case referrals
    case rewards

    public init(parsing text: String) throws {
        guard let name = HQReportName(rawValue: text) else {
            throw SyncError(.invalidValue, "unknown report '\(text.prefix(30))'; use one of \(HQReportName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = name
    }
}

/// How a report is written out.
public enum HQReportFormat: String, Sendable, Codable, CaseIterable {
    case json
    case csv
}
