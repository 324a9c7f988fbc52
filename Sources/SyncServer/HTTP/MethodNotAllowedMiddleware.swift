import Hummingbird

/// Answers 405 `method_not_allowed` with an `Allow` header when a request names a path the
/// server serves (`syncServerRoutes`, templates such as `/v1/reports/{name}` included) with a
/// method that path does not serve; unknown paths stay 404.
///
/// Hummingbird's router only knows "no route", which would tell a client that sent
/// `POST /v1/reports/tasks` that the report does not exist, while RFC 9110 (§15.5.6) asks for
/// 405 and the list of methods that do work. The router's "no route" error is a plain
/// `HTTPError(.notFound)`; a route's own 404 (an unknown report, say) is an `APIError` and passes
/// through untouched.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    /// One served path: its template split into segments (`{…}` matches any one segment) and
    /// the methods registered for it.
    struct Template: Sendable {
        var segments: [Substring]
        var methods: [String]

        func matches(_ path: [Substring]) -> Bool {
            guard path.count == segments.count else { return false }
            return zip(segments, path).allSatisfy { template, segment in
                (template.hasPrefix("{") && template.hasSuffix("}")) || template == segment
            }
        }
    }

    let templates: [Template]

    /// - Parameter routes: what the router serves, as `(method, path template)`.
    init(routes: [(method: String, path: String)]) {
        var templates: [Template] = []
        for route in routes {
            let segments = route.path.split(separator: "/")
            if let index = templates.firstIndex(where: { $0.segments == segments }) {
                templates[index].methods.append(route.method)
            } else {
                templates.append(Template(segments: segments, methods: [route.method]))
            }
        }
        self.templates = templates
    }

    /// The methods served on `path` (sorted, without duplicates), or nil when no route has that path.
    func allowedMethods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let methods = templates.filter { $0.matches(segments) }.flatMap(\.methods)
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound && !(error is APIError) {
            guard let allowed = allowedMethods(for: request.uri.path), !allowed.contains(request.method.rawValue) else {
                throw error
            }
            throw APIError.methodNotAllowed(request.method.rawValue, path: request.uri.path, allowed: allowed)
        }
    }
}
