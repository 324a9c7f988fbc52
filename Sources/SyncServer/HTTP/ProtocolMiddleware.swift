import HTTPTypes
import SyncCore
import Hummingbird

/// Refuses clients that announce a sync protocol outside the range this server serves, with a
/// clear 400 rather than answers they would misread; a request without the header is accepted
/// (curl). Notes the schema version the client announces (`CivicSync-Schema`), so that the
/// push can tell an operation of a newer schema from a bad one.
struct ProtocolMiddleware: RouterMiddleware {
    typealias Context = SyncRequestContext

    static let header = HTTPField.Name("CivicSync-Protocol")!
    static let schemaHeader = HTTPField.Name("CivicSync-Schema")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let sent = request.headers[Self.header] {
            guard let version = Int(sent.trimmingCharacters(in: .whitespaces)), ServerVersion.supportedProtocols.contains(version) else {
                throw APIError.unsupportedProtocol(sent)
            }
            context.clientProtocol = version
        }
        context.clientSchemaVersion = request.headers[Self.schemaHeader].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return try await next(request, context)
    }
}
