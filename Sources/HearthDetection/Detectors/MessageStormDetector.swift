import Foundation
import HearthCore

/// A device's message rate against its own baseline (an exponentially weighted mean that learns
/// only from calm periods). A storm is a rate over the last second above `factor` × baseline and
/// the floor, held for `sustain`: it is rate-limited at once, quarantined when it outlasts the
/// limit by `quarantineAfter`, and the limit is lifted after `calmAfter` under it.
struct MessageStormDetector: Sendable {
    /// The span the rate is measured over: one second smooths the harvest's quarter-second grain.
    static let span: TimeInterval = 1
    /// A device silent this long was offline: a storm it was in ended with its connection.
    static let offlineGap: TimeInterval = 5

    struct DeviceRate: Sendable {
        var baseline: Double = 0
        var recent: [TrafficSample] = []
        var last: Date
        var overSince: Date?
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
        device.recent.append(sample)
        device.recent.removeAll { $0.at <= now.addingTimeInterval(-Self.span) }
        let measured = max(Self.span, device.recent.reduce(0) { $0 + $1.interval })
        let rate = Double(device.recent.reduce(0) { $0 + $1.messages }) / measured
        defer { devices[sample.device] = device }

        guard let limited = device.limited else {
            let threshold = limits.threshold(baseline: device.baseline)
            // Over the last second and in this window too: a burst (a reconnect flushing its
            // queue) stays in the one-second span after it ended, but not in the next window.
            guard rate > threshold, sample.messagesPerSecond > threshold else {
                device.overSince = nil
                let weight = 1 - exp(-sample.interval * log(2) / limits.baselineHalfLife)
                device.baseline += weight * (sample.messagesPerSecond - device.baseline)
                return []
            }
            let since = device.overSince ?? now.addingTimeInterval(-sample.interval)
            device.overSince = since
            guard now.timeIntervalSince(since) >= limits.sustain else { return [] }
            let perSecond = Int(threshold.rounded(.up))
            device.limited = (now, perSecond)
            device.calmSince = nil
            let finding = Finding(
                kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .warning,
                summary: "device \(sample.device) sent \(Int(rate)) messages/s, above \(perSecond)/s (\(formatted(limits.factor))× its baseline of \(formatted(device.baseline))/s, floor \(formatted(limits.floor))/s)",
                evidence: evidence(sample, rate: rate, baseline: device.baseline, since: since),
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
                evidence: evidence(sample, rate: rate, baseline: device.baseline, since: limited.since),
                at: now)
            return [Response(finding: finding, actions: [.quarantine(sample.device, household: sample.household)], escalates: true)]
        }
        let calm = device.calmSince ?? now
        device.calmSince = calm
        guard now.timeIntervalSince(calm) >= limits.calmAfter else { return [] }
        device.limited = nil
        device.overSince = nil
        device.calmSince = nil
        let finding = Finding(
            kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .notice,
            summary: "device \(sample.device) stayed under \(limited.perSecond) messages/s for \(Int(limits.calmAfter)) s",
            evidence: [Evidence("messages-per-second", formatted(rate))], at: now)
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

    /// A device's learned baseline, for tests and the risk view.
    func baseline(of device: DeviceID) -> Double? { devices[device]?.baseline }

    private func evidence(_ sample: TrafficSample, rate: Double, baseline: Double, since: Date) -> [Evidence] {
        [
            Evidence("messages-per-second", formatted(rate)), Evidence("baseline-per-second", formatted(baseline)),
            Evidence("bytes-in-last-window", "\(sample.bytes)"), Evidence("zone", sample.zone),
            Evidence("since", RFC3339.format(since)),
        ]
    }

    private func formatted(_ value: Double) -> String {
        value >= 10 ? "\(Int(value.rounded()))" : String(format: "%.2f", value)
    }
}
