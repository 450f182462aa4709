import HearthHub
import Metrics
import Prometheus
import Synchronization

/// Request counters and latency histograms, made through swift-metrics with a factory owned by
/// this hub (not the process-wide bootstrap), so several hubs in one test process keep apart.
struct HTTPMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private struct Series: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    /// The handles of each series seen, made once: making one through the factory validates its
    /// name and labels and looks it up in the registry, a cost every request paid before.
    private final class Handles: Sendable {
        let series = Mutex<[Series: (Metrics.Counter, Metrics.Timer)]>([:])
    }

    private let handles = Handles()

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

    /// Methods counted by name; the others the HTTP parser accepts (WebDAV's and the like), which
    /// no route answers, count as `other`, as unmatched paths share one route label.
    private static let namedMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    func record(method: String, route: String, status: Int, elapsed: Duration) {
        let method = Self.namedMethods.contains(method) ? method : "other"
        let key = Series(method: method, route: route, status: status)
        let (counter, timer) = handles.series.withLock { series in
            if let made = series[key] { return made }
            let dimensions = [("method", method), ("route", route), ("status", String(status))]
            let made = (
                Metrics.Counter(label: "hearth_http_requests_total", dimensions: dimensions, factory: factory),
                Metrics.Timer(label: "hearth_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            )
            series[key] = made
            return made
        }
        counter.increment()
        timer.record(duration: elapsed)
    }
}
