import SyncCore
import Hummingbird

/// An error answered to the client as `{"error":{"code":"…","message":"…"}}` with a 4xx/5xx
/// status. Every failure of every route ends up as one of these (see `RequestLogMiddleware`),
/// so clients never have to parse anything else.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// Stable snake_case code for programs.
    public var code: String
    /// One line for people.
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message.replacingOccurrences(of: "\n", with: " ")
        self.headers = headers
    }

    /// The JSON body.
    public var body: String {
        JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])]).canonicalJSON
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(status, body, headers: headers)
    }

    // MARK: - The errors the server answers

    static func unsupportedProtocol(_ sent: String) -> APIError {
        APIError(.badRequest, "unsupported_protocol",
                 "this server speaks sync protocol \(ServerVersion.supportedProtocols.lowerBound == ServerVersion.supportedProtocols.upperBound ? "\(ServerVersion.syncProtocol)" : "\(ServerVersion.supportedProtocols.lowerBound) to \(ServerVersion.supportedProtocols.upperBound)"); the client sent protocol '\(sent.prefix(20))' (upgrade the client or the server)")
    }
    static func unauthorized(_ code: String, _ message: String) -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"civicsync\""
        return APIError(.unauthorized, code, message, headers: headers)
    }
    static func payloadTooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "payload_too_large", "the request body is larger than the server's limit of \(limit) bytes; push smaller batches")
    }
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    /// 405 on a path the server serves with other methods, listed in `Allow` (RFC 9110 §15.5.6).
    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> APIError {
        var headers = HTTPFields()
        headers[.allow] = allowed.joined(separator: ", ")
        return APIError(.methodNotAllowed, "method_not_allowed",
                        "\(method.prefix(20)) is not allowed on \(path.prefix(200)); use \(allowed.joined(separator: " or "))",
                        headers: headers)
    }
    /// 429 for a token over its rate limit; `Retry-After` says when one more request will pass.
    static func rateLimited(retryAfterSeconds: Int, requestsPerSecond: Int, burst: Int) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        return APIError(.tooManyRequests, "rate_limited",
                        "this token sent more than \(requestsPerSecond) requests per second (bursts of \(burst)); retry after \(retryAfterSeconds) s",
                        headers: headers)
    }

    /// The status and code for a SyncCore error that escaped a route.
    init(_ error: SyncError) {
        switch error.code {
        case .malformed, .unknownField, .invalidValue, .unsupportedVersion:
            self.init(.badRequest, Denial.Code(error.code).rawValue, error.message)
        case .forbidden: self.init(.forbidden, "forbidden", error.message)
        case .notFound: self.init(.notFound, "not_found", error.message)
        case .conflict: self.init(.conflict, "conflict", error.message)
        case .storage, .notAReplica, .incompatibleReplica:
            self.init(.serviceUnavailable, "storage_unavailable", "the server's storage failed; try again later")
        default:
            self.init(.internalServerError, "internal_error", error.message)
        }
    }
}
