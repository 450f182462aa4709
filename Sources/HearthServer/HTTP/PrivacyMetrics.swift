import HearthCore
import HearthHub
import HearthPrivacy
import Prometheus

/// The privacy metrics (docs/privacy.md), read from the application layer at each scrape and
/// set on the hub's registry: messages refused by reason, the share of devices with declared
/// flows, consented flows by class, items past retention (must stay 0), bytes bridged out per
/// destination.
struct PrivacyMetrics: Sendable {
    let privacy: PrivacyService
    let personalRetention: Duration?
    let registry: PrometheusCollectorRegistry
    private let totals = CounterTotals()

    init(privacy: PrivacyService, personalRetention: Duration?, registry: PrometheusCollectorRegistry) {
        self.privacy = privacy
        self.personalRetention = personalRetention
        self.registry = registry
    }

    func update() async throws {
        let metrics = try await privacy.metrics(personalRetention: personalRetention)
        for (reason, count) in metrics.refusedByReason {
            totals.advance(registry.makeCounter(name: "hearth_privacy_messages_refused_total", labels: [("reason", reason.rawValue)]),
                    key: "refused \(reason)", to: Int64(count))
        }
        for (destination, bytes) in metrics.bytesSent {
            let labels = [("household", destination.household.rawValue), ("destination", destination.destination)]
            totals.advance(registry.makeCounter(name: "hearth_privacy_bridged_bytes_total", labels: labels),
                    key: "bridged \(destination.household) \(destination.destination)", to: bytes)
        }
        registry.makeGauge(name: "hearth_privacy_devices").set(Double(metrics.devices))
        registry.makeGauge(name: "hearth_privacy_devices_with_declared_flows").set(Double(metrics.devicesWithFlows))
        registry.makeGauge(name: "hearth_privacy_declared_device_share")
            .set(metrics.devices == 0 ? 0 : Double(metrics.devicesWithFlows) / Double(metrics.devices))
        for (dataClass, count) in metrics.consentedByClass {
            registry.makeGauge(name: "hearth_privacy_consented_flows", labels: [("class", dataClass.rawValue)]).set(Double(count))
        }
        registry.makeGauge(name: "hearth_privacy_items_past_retention").set(Double(metrics.pastRetention))
    }
}
