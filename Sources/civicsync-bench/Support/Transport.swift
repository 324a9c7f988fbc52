import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import FieldClient
import SyncCore

/// Times every request a `SyncClient` makes, by kind (`push`, `pull`, `digest`), and counts
/// answers that were not 2xx.
struct TimedTransport: SyncTransport {
    let inner: any SyncTransport
    let book: LatencyBook
    let statuses: StatusCounter

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let label = Self.label(request.path)
        let start = Timing.now()
        do {
            let response = try await inner.send(request)
            await book.record(label, seconds: Timing.since(start))
            if !(200..<300).contains(response.status) { statuses.add("\(label) \(response.status)") }
            return response
        } catch {
            statuses.add("\(label) unreachable")
            throw error
        }
    }

    static func label(_ path: String) -> String {
        if path.hasPrefix("/v1/push") { return "push" }
        if path.hasPrefix("/v1/pull") { return "pull" }
        if path.hasPrefix("/v1/digest") { return "digest" }
        return "other"
    }

    /// The transport `field sync` uses (a URLSession, so a connection, per request), or one
    /// URLSession kept for all of this client's requests (connections kept alive).
    static func make(baseURL: URL, keepAlive: Bool, book: LatencyBook, statuses: StatusCounter) -> TimedTransport {
        let inner: any SyncTransport = keepAlive ? KeepAliveTransport(baseURL: baseURL) : URLSessionTransport(baseURL: baseURL, timeout: 120)
        return TimedTransport(inner: inner, book: book, statuses: statuses)
    }
}

/// Counts of non-2xx answers and failed requests, by "kind status".
final class StatusCounter: @unchecked Sendable {
    // @unchecked: `counts` is only touched under `lock`.
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func add(_ key: String) { lock.withLock { counts[key, default: 0] += 1 } }
    var snapshot: [String: Int] { lock.withLock { counts } }
    var total: Int { lock.withLock { counts.values.reduce(0, +) } }
}

/// HTTP through one URLSession for all requests: connections are reused (keep-alive).
final class KeepAliveTransport: SyncTransport, @unchecked Sendable {
    // @unchecked: both stored properties are immutable after init, and URLSession is
    // documented thread-safe (corelibs-foundation does not mark it Sendable).
    let baseURL: URL
    let session: URLSession

    init(baseURL: URL) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120
        configuration.timeoutIntervalForResource = 120
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        guard let url = URL(string: request.path, relativeTo: baseURL) else {
            throw SyncError(.malformed, "cannot build a URL from \(baseURL) and \(request.path)")
        }
        var urlRequest = URLRequest(url: url, timeoutInterval: 120)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else { throw SyncError(.server, "not an HTTP answer") }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return TransportResponse(status: http.statusCode, body: data, headers: headers)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError(.unreachable, "cannot reach \(baseURL.absoluteString): \(error.localizedDescription)", cause: error)
        }
    }
}
