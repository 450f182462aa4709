import Foundation
import HearthCore

/// A device's message rate against its own baseline (an exponentially weighted mean that learns
/// only from calm periods). Messages beyond `factor` × baseline (and the floor) fill a bucket that
/// drains at that rate; a device whose excess outgrows `burst` is storming — so a reconnect
/// flushing its queue is not a storm, and a flood is one within a fraction of a second. A storm is
/// rate-limited at once, quarantined when it outlasts the limit by `quarantineAfter`, and the
/// limit is lifted after `calmAfter` under it.
struct MessageStormDetector: Sendable {
    /// A device silent this long was offline: a storm it was in ended with its connection.
    static let offlineGap: TimeInterval = 5

    struct DeviceRate: Sendable {
        var baseline: Double = 0
        var last: Date
        /// Messages beyond the threshold not yet drained.
        var excess: Double = 0
        var limited: (since: Date, perSecond: Int)?
        var calmSince: Date?
        var quarantined = false
    }

    private var devices: [DeviceID: DeviceRate] = [:]

    mutating func observe(_ sample: TrafficSample, _ settings: DetectionSettings) -> [Response] {
        let limits = settings.storm(in: sample.zone)
        let now = sample.at
        var device = devices[sample.device] ?? DeviceRate(last: now)
        if now.timeIntervalSince(device.last) > Self.offlineGap {
            device = DeviceRate(baseline: device.baseline, last: now)
        }
        device.last = now
        let rate = sample.messagesPerSecond
        defer { devices[sample.device] = device }

        guard let limited = device.limited else {
            let threshold = limits.threshold(baseline: device.baseline)
            device.excess = max(0, device.excess + Double(sample.messages) - threshold * sample.interval)
            guard device.excess > limits.burst else {
                if device.excess == 0 {
                    let weight = 1 - exp(-sample.interval * log(2) / limits.baselineHalfLife)
                    device.baseline += weight * (rate - device.baseline)
                }
                return []
            }
            let perSecond = Int(threshold.rounded(.up))
            device.limited = (now, perSecond)
            device.excess = 0
            device.calmSince = nil
            let finding = Finding(
                kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .warning,
                summary: "device \(sample.device) sent \(Int(rate)) messages/s, above \(perSecond)/s (\(Self.formatted(limits.factor))× its baseline of \(Self.formatted(device.baseline))/s, floor \(Self.formatted(limits.floor))/s)",
                evidence: evidence(sample, baseline: device.baseline),
                at: now)
            let actions: [ContainmentAction] = settings.containment.rateLimitStorms
                ? [.rateLimit(sample.device, household: sample.household, perSecond: perSecond)] : []
            return [Response(finding: finding, actions: actions)]
        }
        if rate > Double(limited.perSecond) {
            device.calmSince = nil
            guard !device.quarantined, settings.containment.quarantineStorms,
                  now.timeIntervalSince(limited.since) >= limits.quarantineAfter
            else { return [] }
            device.quarantined = true
            let finding = Finding(
                kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .critical,
                summary: "device \(sample.device) kept sending \(Int(rate)) messages/s for \(Int(limits.quarantineAfter)) s under a limit of \(limited.perSecond)/s",
                evidence: evidence(sample, baseline: device.baseline) + [Evidence("limited-since", RFC3339.format(limited.since))],
                at: now)
            return [Response(finding: finding, actions: [.quarantine(sample.device, household: sample.household)], escalates: true)]
        }
        let calm = device.calmSince ?? now
        device.calmSince = calm
        guard now.timeIntervalSince(calm) >= limits.calmAfter else { return [] }
        device.limited = nil
        device.calmSince = nil
        let finding = Finding(
            kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .notice,
            summary: "device \(sample.device) stayed under \(limited.perSecond) messages/s for \(Int(limits.calmAfter)) s",
            evidence: [Evidence("messages-per-second", Self.formatted(rate))], at: now)
        return [Response(finding: finding, actions: [.liftRateLimit(sample.device, household: sample.household)], escalates: true)]
    }

    /// Ends the device's storm state, keeping its baseline.
    mutating func forget(_ device: DeviceID) {
        guard let baseline = devices[device]?.baseline, let last = devices[device]?.last else { return }
        devices[device] = DeviceRate(baseline: baseline, last: last)
    }

    /// Forgets devices not heard from for a while (their connection is gone).
    mutating func prune(at now: Date) {
        devices = devices.filter { now.timeIntervalSince($0.value.last) <= 3600 }
    }

    /// Every remembered device's baseline.
    func baselines() -> [DeviceID: Double] { devices.mapValues(\.baseline) }

    /// A stored baseline for a device not heard of since the start.
    mutating func restore(_ device: DeviceID, baseline: Double, at now: Date) {
        guard devices[device] == nil, baseline.isFinite, baseline >= 0 else { return }
        devices[device] = DeviceRate(baseline: baseline, last: now)
    }

    /// A device's learned baseline, for tests and the risk view.
    func baseline(of device: DeviceID) -> Double? { devices[device]?.baseline }

    private func evidence(_ sample: TrafficSample, baseline: Double) -> [Evidence] {
        [
            Evidence("messages-per-second", Self.formatted(sample.messagesPerSecond)), Evidence("baseline-per-second", Self.formatted(baseline)),
            Evidence("bytes-per-second", Self.formatted(Double(sample.bytes) / max(sample.interval, 0.001))), Evidence("zone", sample.zone),
        ]
    }

    static func formatted(_ value: Double) -> String {
        value >= 10 ? "\(Int(value.rounded()))" : String(format: "%.2f", value)
    }
}
