import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore

/// HTTP through URLSession (libcurl on Linux), one session per transport: a sync's requests
/// reuse their connection instead of opening one each (and a session is costly to build).
///
/// A class because it owns the session, which it invalidates when it goes.
public final class URLSessionTransport: SyncTransport, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init, and URLSession is thread-safe
    // (corelibs-foundation does not mark it Sendable).
    public let baseURL: URL
    public let timeout: TimeInterval
    private let session: URLSession

    public init(baseURL: URL, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        guard let url = URL(string: request.path, relativeTo: baseURL) else {
            throw SyncError(.malformed, "cannot build a URL from \(baseURL) and \(request.path)")
        }
        var urlRequest = URLRequest(url: url, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw SyncError(.server, "the server at \(baseURL.absoluteString) did not answer over HTTP")
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return TransportResponse(status: http.statusCode, body: data, headers: headers)
        } catch let error as SyncError {
            throw error
        } catch {
            var message = "cannot reach the sync server at \(baseURL.absoluteString): \(error.localizedDescription)"
            if message.contains("certificate") {
                message += " (if HQ's certificate comes from a CA of its own, give that CA with `field remote set --ca-cert FILE`)"
            }
            throw SyncError(.unreachable, message, cause: error)
        }
    }
}
