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
    let operationsPulled: CoreMetrics.Counter
    let digests: CoreMetrics.Counter
    let authFailures: CoreMetrics.Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        func counter(_ label: String) -> CoreMetrics.Counter { CoreMetrics.Counter(label: label, dimensions: [], factory: factory) }
        operationsPushed = counter("civicsync_operations_pushed_total")
        operationsAccepted = counter("civicsync_operations_accepted_total")
        operationsApplied = counter("civicsync_operations_applied_total")
        operationsRejected = counter("civicsync_operations_rejected_total")
        pushes = counter("civicsync_push_requests_total")
        pulls = counter("civicsync_pull_requests_total")
        operationsPulled = counter("civicsync_operations_pulled_total")
        digests = counter("civicsync_digest_requests_total")
        authFailures = counter("civicsync_auth_failures_total")
    }

    /// Counts one finished HTTP request by method, route and status.
    func countRequest(method: String, route: String, status: Int) {
        CoreMetrics.Counter(label: "civicsync_http_requests_total",
                            dimensions: [("method", method), ("route", route), ("status", String(status))],
                            factory: factory).increment()
    }

    /// The Prometheus text exposition of every counter.
    public func exposition() -> String { registry.emitToString() }
}
