import Foundation
import Hummingbird
import SyncCore

/// `GET /v1/reports` and `GET /v1/reports/{name}`: the headquarters figures as JSON or CSV.
///
/// Only HQ tokens may read them: the reports consolidate every branch's cases and every
/// monitor's points, which branch staff and monitors do not replicate either. The text comes
/// from SyncCore's `HQReports.render` run on the server's replica, so it is the text that
/// `field report <name> --json` / `--csv` prints on an HQ replica holding the same operations
/// (same filter, same `--as-of` day as the server's clock).
struct ReportRoutes: Sendable {
    let storage: any SyncStorage
    let wallClock: any WallClock

    /// Query parameters a report request may carry.
    static let parameters: Set<String> = ["period", "branch", "grain", "format", "limit", "count"]

    /// The names a URL may use: every SyncCore report, plus `all` for every report at once.
    static var names: [String] { HQReportName.allCases.map(\.rawValue) + ["all"] }

    func index(_ request: Request, context: SyncRequestContext) async throws -> Response {
        _ = try Self.requireHQ(context)
        return JSONBody.ok(.object([
            "reports": .array(Self.names.map(JSONValue.string)),
            "formats": .array(HQReportFormat.allCases.map { .string($0.rawValue) }),
            "parameters": .array(Self.parameters.sorted().map(JSONValue.string)),
        ]))
    }

    func report(_ request: Request, context: SyncRequestContext) async throws -> Response {
        _ = try Self.requireHQ(context)
        let nameText = context.parameters.get("name") ?? ""
        let name: HQReportName?
        if nameText == "all" {
            name = nil
        } else if let known = HQReportName(rawValue: nameText) {
            name = known
        } else {
            throw APIError(.notFound, "unknown_report",
                           "there is no report '\(nameText.prefix(40))'; use one of \(Self.names.joined(separator: ", "))")
        }
        let query = request.uri.queryParameters
        let unknown = Set(query.map { String($0.key) }).subtracting(Self.parameters)
        if !unknown.isEmpty {
            throw APIError.badRequest("unknown_parameter",
                                      "unknown parameter(s) \(unknown.sorted().joined(separator: ", ").prefix(120)); use \(Self.parameters.sorted().joined(separator: ", "))")
        }
        let filter = try Self.filter(query: query, now: wallClock.nowMilliseconds())
        let format = try Self.format(query: query, accept: request.headers[.accept])
        let text = try await storage.report(name, as: format, filter: filter)
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        switch format {
        case .json:
            return JSONBody.response(.ok, text, headers: headers)
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8; header=present"
            let branch = filter.branch.map { "-\($0)" } ?? ""
            headers[.contentDisposition] = "attachment; filename=\"civicsync-\(nameText)-\(filter.period)\(branch).csv\""
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// The caller, who must hold an HQ token (403 otherwise).
    static func requireHQ(_ context: SyncRequestContext) throws -> Principal {
        let principal = try context.requirePrincipal()
        guard principal.role == .hq else {
            throw APIError(.forbidden, "forbidden",
                           "reports are for headquarters tokens only; this token is a \(principal.role.rawValue) token")
        }
        return principal
    }

    /// `period`, `branch`, `grain`, `limit` and `count` (named like `field report`'s options) as a
    /// SyncCore filter (400 on a bad value).
    static func filter(query: Parameters, now: Int64) throws -> HQReports {
        let period: ReportPeriod
        do {
            period = try ReportPeriod(parsing: query["period"].map(String.init) ?? "all")
        } catch let error as SyncError {
            throw APIError.badRequest("invalid_parameter", error.message)
        }
        var grain: ReportGrain?
        if let text = query["grain"].map(String.init) {
            do { grain = try ReportGrain(parsing: text) } catch let error as SyncError {
                throw APIError.badRequest("invalid_parameter", error.message)
            }
        }
        let branch = try Self.branch(query["branch"].map(String.init))
        let limit = try SyncRoutes.integer(query["limit"].map(String.init), name: "limit", default: 20, minimum: 1)
        let count = try SyncRoutes.integer(query["count"].map(String.init), name: "count", default: 3, minimum: 1)
        return HQReports(period: period, branch: branch, grain: grain, now: now,
                         leaderboardLimit: Int(min(limit, 100_000)), bestCount: Int(min(count, 1_000)))
    }

    /// A branch id (nil for an absent or empty parameter); 400 when it cannot be one.
    static func branch(_ text: String?) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.count <= 64, text.utf8.allSatisfy({
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 || $0 == 46
        }) else {
            throw APIError.badRequest("invalid_parameter", "'branch' must be a branch id (letters, digits, '-', '_' or '.'), not '\(text.prefix(40))'")
        }
        return text
    }

    /// `format=json|csv`, else `Accept: text/csv`, else JSON.
    static func format(query: Parameters, accept: String?) throws -> HQReportFormat {
        if let text = query["format"].map(String.init) {
            guard let format = HQReportFormat(rawValue: text.lowercased()) else {
                throw APIError.badRequest("invalid_parameter", "'format' must be json or csv, not '\(text.prefix(20))'")
            }
            return format
        }
        let wantsCSV = (accept ?? "").lowercased().split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "text/csv"
        }
        return wantsCSV ? .csv : .json
    }
}
