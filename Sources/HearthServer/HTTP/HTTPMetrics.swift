import Metrics
import Prometheus

/// Request counters and latency histograms, made through swift-metrics with a factory owned by
/// this hub (not the process-wide bootstrap), so several hubs in one test process keep apart.
struct HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
    }

    func record(method: String, route: String, status: Int, elapsed: Duration) {
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: "hearth_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "hearth_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            .record(duration: elapsed)
    }
}
