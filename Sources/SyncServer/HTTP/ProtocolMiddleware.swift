import HTTPTypes
import SyncCore
import Hummingbird

/// Refuses clients that announce another sync protocol than this server's, with a clear 400
/// rather than answers they would misread. A request without the header is accepted (curl).
struct ProtocolMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    static let header = HTTPField.Name("CivicSync-Protocol")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let sent = request.headers[Self.header] {
            guard Int(sent.trimmingCharacters(in: .whitespaces)) == ServerVersion.syncProtocol else {
                throw APIError.unsupportedProtocol(sent)
            }
        }
        return try await next(request, context)
    }
}
