import Foundation

/// How the sync client talks to a server. URLSession in production; tests and other apps can
/// supply their own (an in-process server, a recorder, a fault injector).
public protocol SyncTransport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

public struct TransportRequest: Sendable, Equatable {
    public var method: String
    /// Path and query, e.g. `/v1/pull?cursor=0&limit=500`.
    public var path: String
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, path: String, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct TransportResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data
    /// Response headers, names in lower case.
    public var headers: [String: String]
    public init(status: Int, body: Data, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
