import SyncCore
import Hummingbird
import Logging

/// Requires `Authorization: Bearer <token>` and puts the token's principal in the context;
/// the routes behind it never see an unauthenticated request.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    let tokens: TokenAuthority

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthorized("invalid_token", "the Authorization header must be 'Bearer <token>'")
            }
            token = parts[1].trimmingCharacters(in: .whitespaces)
        }
        var context = context
        let principal = try await tokens.authenticate(token)
        context.principal = principal
        context.tokenHash = token.map(TokenAuthority.hash)
        context.logger[metadataKey: "member"] = .string(principal.memberID)
        context.logger[metadataKey: "role"] = .string(principal.role.rawValue)
        return try await next(request, context)
    }
}
