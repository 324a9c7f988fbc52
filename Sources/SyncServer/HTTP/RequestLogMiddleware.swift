import HTTPTypes
import SyncCore
import Hummingbird
import Logging

/// The outermost middleware: gives each request an id (logged with every line about it and
/// returned in `X-Request-Id`), turns every error into the JSON error body, counts the
/// request in the metrics and logs one structured line when it is answered.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    let ids: any IDSource
    let metrics: ServerMetrics
    /// Paths the router serves, to label requests in the metrics when no route matched them.
    let knownPaths: Set<String>

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = ids.randomToken(length: 16)
        context.logger[metadataKey: "request_id"] = .string(requestID)
        // One id per request in every log line: Hummingbird's own key carries the same value.
        context.logger[metadataKey: "hb.request.id"] = .string(requestID)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try errorResponse(error, request: request, context: context)
        }
        response.headers[Self.requestIDHeader] = requestID
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let route = context.endpointPath ?? (knownPaths.contains(request.uri.path) ? request.uri.path : "unmatched")
        metrics.countRequest(method: request.method.rawValue, route: route, status: response.status.code)
        context.logger.log(level: response.status.code >= 500 ? .error : .info, "request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
        ])
        return response
    }

    private func errorResponse(_ error: any Error, request: Request, context: Context) throws -> Response {
        let apiError: APIError
        switch error {
        case let error as APIError:
            apiError = error
        case let error as SyncError:
            apiError = APIError(error)
            if apiError.status.code >= 500 {
                context.logger.error("storage failure", metadata: ["error": .string(error.description)])
            }
        case let error as TokenAuthority.Failure:
            metrics.authFailures.increment()
            switch error {
            case .missing: apiError = .unauthorized("missing_token", "this route needs 'Authorization: Bearer <token>'")
            case .invalid: apiError = .unauthorized("invalid_token", "the bearer token is not known to this server")
            case .revoked(let id): apiError = .unauthorized("revoked_token", "token \(id) was revoked; ask the administrator for a new one")
            }
        case let error as any HTTPResponseError:
            apiError = Self.translate(error.status, request: request)
        default:
            context.logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            apiError = APIError(.internalServerError, "internal_error", "the server failed unexpectedly; the request id is in X-Request-Id")
        }
        return try apiError.response(from: request, context: context)
    }

    /// Framework errors (no route, body too large, …) as JSON errors. A served path with the
    /// wrong method never gets here: `MethodNotAllowedMiddleware` answers it with 405.
    static func translate(_ status: HTTPResponse.Status, request: Request) -> APIError {
        switch status.code {
        case 404:
            return APIError(.notFound, "not_found", "no route \(request.method.rawValue) \(request.uri.path.prefix(200)); see Schemas/openapi.yaml")
        case 413:
            return APIError(.contentTooLarge, "payload_too_large", "the request body is too large")
        case 400..<500:
            return APIError(status, "bad_request", status.reasonPhrase)
        default:
            return APIError(status, "internal_error", status.reasonPhrase)
        }
    }
}
