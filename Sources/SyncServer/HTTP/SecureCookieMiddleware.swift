import HTTPTypes
import Hummingbird

/// Marks the dashboard's session cookie `Secure` when the page was reached over HTTPS: served
/// with TLS directly, or through a reverse proxy that ended TLS and says so
/// (`X-Forwarded-Proto: https`). A browser then never sends the session over plain HTTP.
/// Trusting the header cannot weaken anything: `Secure` only narrows where a cookie goes.
struct SecureCookieMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    /// Whether this server serves HTTPS itself.
    let tls: Bool

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let cookies = response.headers[values: .setCookie]
        guard !cookies.isEmpty, tls || request.headers[Self.forwardedProto]?.lowercased() == "https" else { return response }
        response.headers[values: .setCookie] = cookies.map { $0.contains("; Secure") ? $0 : $0 + "; Secure" }
        return response
    }
}
