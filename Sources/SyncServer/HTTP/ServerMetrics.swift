import SyncCore
import Metrics
import Prometheus

/// The server's counters, kept in a registry owned by one application (no global
/// `MetricsSystem.bootstrap`, so several apps — e.g. in tests — never share counts).
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    let operationsPushed: CoreMetrics.Counter
    let operationsAccepted: CoreMetrics.Counter
    let operationsApplied: CoreMetrics.Counter
    let operationsRejected: CoreMetrics.Counter
    let pushes: CoreMetrics.Counter
    let pulls: CoreMetrics.Counter
    let snapshots: CoreMetrics.Counter
    let operationsPulled: CoreMetrics.Counter
    let digests: CoreMetrics.Counter
    let authFailures: CoreMetrics.Counter
    /// Requests refused with 429 because their token was over its rate limit.
    let rateLimited: CoreMetrics.Counter
    /// Connections closed on arrival because the server already had its maximum open.
    let connectionsRefused: CoreMetrics.Counter
    /// Connections closed because no complete request head arrived within the header timeout.
    let headerTimeouts: CoreMetrics.Counter

    /// Every series' `instance` label (none when nil): several instances behind one load
    /// balancer are told apart in one Prometheus.
    let instanceDimensions: [(String, String)]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), instance: String? = nil) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        let dimensions = instance.map { [("instance", $0)] } ?? []
        instanceDimensions = dimensions
        func counter(_ label: String) -> CoreMetrics.Counter { CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory) }
        operationsPushed = counter("civicsync_operations_pushed_total")
        operationsAccepted = counter("civicsync_operations_accepted_total")
        operationsApplied = counter("civicsync_operations_applied_total")
        operationsRejected = counter("civicsync_operations_rejected_total")
        pushes = counter("civicsync_push_requests_total")
        pulls = counter("civicsync_pull_requests_total")
        snapshots = counter("civicsync_snapshot_requests_total")
        operationsPulled = counter("civicsync_operations_pulled_total")
        digests = counter("civicsync_digest_requests_total")
        authFailures = counter("civicsync_auth_failures_total")
        rateLimited = counter("civicsync_rate_limited_total")
        connectionsRefused = counter("civicsync_connections_refused_total")
        headerTimeouts = counter("civicsync_header_timeouts_total")
        responseBodyBytes = counter("civicsync_response_body_bytes_total")
        responseWireBytes = counter("civicsync_response_wire_bytes_total")
        requestWireBytes = counter("civicsync_request_wire_bytes_total")
        requestBodyBytes = counter("civicsync_request_body_bytes_total")
    }

    /// Body bytes of answers as the routes produced them, and as sent after compression: their
    /// ratio is what compression saves on the wire.
    let responseBodyBytes: CoreMetrics.Counter
    let responseWireBytes: CoreMetrics.Counter
    /// Push body bytes as received, and once decompressed.
    let requestWireBytes: CoreMetrics.Counter
    let requestBodyBytes: CoreMetrics.Counter

    func countResponseBytes(produced: Int, sent: Int) {
        responseBodyBytes.increment(by: produced)
        responseWireBytes.increment(by: sent)
    }

    func countRequestBytes(received: Int, decoded: Int) {
        requestWireBytes.increment(by: received)
        requestBodyBytes.increment(by: decoded)
    }

    /// Counts one finished HTTP request by method, route and status.
    func countRequest(method: String, route: String, status: Int) {
        CoreMetrics.Counter(label: "civicsync_http_requests_total",
                            dimensions: instanceDimensions + [("method", method), ("route", route), ("status", String(status))],
                            factory: factory).increment()
    }

    /// The Prometheus text exposition of every counter.
    public func exposition() -> String { registry.emitToString() }
}
