import HearthHub
import Prometheus

/// Firmware posture in `/metrics` (docs/firmware.md): per zone, the devices, those in posture, and
/// their share — what an operator alerts on when a rule or a withdrawal leaves devices behind.
struct FirmwareMetrics: Sendable {
    let posture: FirmwarePosture
    let registry: PrometheusCollectorRegistry

    func update() async throws {
        for (zone, share) in try await posture.zoneShares() {
            let labels = [("zone", zone)]
            registry.makeGauge(name: "hearth_firmware_devices", labels: labels).set(Double(share.devices))
            registry.makeGauge(name: "hearth_firmware_devices_in_posture", labels: labels).set(Double(share.inPosture))
            registry.makeGauge(name: "hearth_firmware_in_posture_share", labels: labels)
                .set(share.devices == 0 ? 1 : Double(share.inPosture) / Double(share.devices))
        }
    }
}
