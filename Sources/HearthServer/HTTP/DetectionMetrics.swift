import HearthCore
import HearthDetection
import HearthHub
import Prometheus

/// Detection's metrics (docs/detection.md), set on the hub's registry at each scrape from the
/// detection service's totals: refused credentials by kind, denied MQTT packets, signals by
/// kind, alerts by finding, containment actions, sources blocked now, signals only counted.
struct DetectionMetrics: Sendable {
    let counters: DetectionCounters
    let blocklist: SourceBlocklist
    let clock: any HearthClock
    let registry: PrometheusCollectorRegistry
    private let totals = CounterTotals()

    init(counters: DetectionCounters, blocklist: SourceBlocklist, clock: any HearthClock, registry: PrometheusCollectorRegistry) {
        self.counters = counters
        self.blocklist = blocklist
        self.clock = clock
        self.registry = registry
    }

    func update() {
        let snapshot = counters.snapshot
        for (kind, count) in snapshot.authenticationFailures {
            totals.advance(
                registry.makeCounter(name: "hearth_authentication_failures_total", labels: [("kind", kind.rawValue)]),
                key: "auth \(kind.rawValue)", to: count)
        }
        for (reason, count) in snapshot.handshakeRefusals {
            totals.advance(
                registry.makeCounter(name: "hearth_tls_handshake_refusals_total", labels: [("reason", reason.rawValue)]),
                key: "handshake \(reason.rawValue)", to: count)
        }
        totals.advance(registry.makeCounter(name: "hearth_mqtt_denied_total"), key: "denied", to: snapshot.denied)
        for (kind, count) in snapshot.signals {
            totals.advance(registry.makeCounter(name: "hearth_detection_signals_total", labels: [("kind", kind)]), key: "signal \(kind)", to: count)
        }
        for (kind, count) in snapshot.alerts {
            totals.advance(
                registry.makeCounter(name: "hearth_detection_alerts_total", labels: [("kind", kind.rawValue)]),
                key: "alert \(kind.rawValue)", to: count)
        }
        for (action, count) in snapshot.actions {
            totals.advance(
                registry.makeCounter(name: "hearth_containment_actions_total", labels: [("action", action)]),
                key: "action \(action)", to: count)
        }
        totals.advance(registry.makeCounter(name: "hearth_detection_signals_dropped_total"), key: "overflow", to: snapshot.overflow)
        registry.makeGauge(name: "hearth_blocked_sources").set(Double(blocklist.active(at: clock.now).count))
    }
}
