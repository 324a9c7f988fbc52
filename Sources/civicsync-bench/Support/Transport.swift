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
        if path.hasPrefix("/v1/snapshot") { return "snapshot" }
        return "other"
    }

    /// The transport `field sync` uses: one URLSession per client, its connections reused.
    static func make(baseURL: URL, book: LatencyBook, statuses: StatusCounter) -> TimedTransport {
        let inner: any SyncTransport = URLSessionTransport(baseURL: baseURL, timeout: 120)
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
