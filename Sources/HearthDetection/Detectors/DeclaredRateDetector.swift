import Foundation
import HearthCore

/// A device's telemetry flow against the rate its declaration states (docs/privacy.md, `rate`).
/// Messages beyond that rate fill a bucket that drains at it, over the time since the flow was
/// last heard (a flow of one message a minute is heard once a minute). A flow whose excess
/// outgrows the storm settings' `burst` is storming — a reconnect flushing its queue is not — and
/// is limited to its declared rate: the hub refuses what goes beyond (up to one declared period's
/// worth at once). A limited flow whose messages are still refused is still storming: the device is
/// quarantined when that outlasts `quarantineAfter`; the limit is lifted after `calmAfter` without
/// a refusal.
struct DeclaredRateDetector: Sendable {
    struct Key: Hashable, Sendable {
        let device: DeviceID
        let flow: String
    }

    struct FlowState: Sendable {
        var last: Date
        var excess: Double = 0
        var limitedSince: Date?
        var calmSince: Date?
        var quarantined = false
    }

    private var flows: [Key: FlowState] = [:]

    mutating func observe(_ sample: FlowTrafficSample, _ settings: DetectionSettings) -> [Response] {
        let limits = settings.storm
        let now = sample.at
        let key = Key(device: sample.device, flow: sample.flow)
        var flow = flows[key] ?? FlowState(last: now.addingTimeInterval(-sample.interval))
        let elapsed = max(sample.interval, now.timeIntervalSince(flow.last))
        flow.last = now
        flow.excess = max(0, flow.excess + Double(sample.messages) - sample.declaredPerSecond * elapsed)
        defer { flows[key] = flow }

        guard let limitedSince = flow.limitedSince else {
            // Before a limit: its excess over the declared rate.
            guard flow.excess > max(limits.burst, Double(sample.count)) else { return [] }
            flow.limitedSince = now
            flow.excess = 0
            let finding = Finding(
                kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .warning,
                summary: "device \(sample.device) sent \(MessageStormDetector.formatted(sample.messagesPerSecond)) messages/s on flow \(sample.flow), above the \(sample.declared) its declaration states",
                evidence: evidence(sample), at: now)
            let actions: [ContainmentAction] = settings.containment.rateLimitStorms
                ? [.limitFlow(sample.device, household: sample.household, flow: sample.flow, declared: sample.declared)] : []
            return [Response(finding: finding, actions: actions)]
        }
        if sample.refused > 0 {
            flow.calmSince = nil
            guard !flow.quarantined, settings.containment.quarantineStorms, now.timeIntervalSince(limitedSince) >= limits.quarantineAfter
            else { return [] }
            flow.quarantined = true
            let finding = Finding(
                kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .critical,
                summary: "device \(sample.device) kept sending on flow \(sample.flow) above its declared \(sample.declared) for \(Int(limits.quarantineAfter)) s after it was limited",
                evidence: evidence(sample) + [Evidence("limited-since", RFC3339.format(limitedSince))], at: now)
            return [Response(finding: finding, actions: [.quarantine(sample.device, household: sample.household)], escalates: true)]
        }
        let calm = flow.calmSince ?? now
        flow.calmSince = calm
        guard now.timeIntervalSince(calm) >= limits.calmAfter else { return [] }
        flow = FlowState(last: now)
        let finding = Finding(
            kind: .messageStorm, suspect: .device(sample.device), household: sample.household, severity: .notice,
            summary: "device \(sample.device) kept flow \(sample.flow) within its declared \(sample.declared) for \(Int(limits.calmAfter)) s",
            evidence: [Evidence("flow", sample.flow), Evidence("messages-per-second", MessageStormDetector.formatted(sample.messagesPerSecond))],
            at: now)
        return [Response(
            finding: finding, actions: [.liftFlowLimit(sample.device, household: sample.household, flow: sample.flow)], escalates: true)]
    }

    /// Ends the device's flow storms (an owner acknowledged the alert).
    mutating func forget(_ device: DeviceID) {
        flows = flows.filter { $0.key.device != device }
    }

    /// Forgets flows neither limited nor heard from for an hour.
    mutating func prune(at now: Date) {
        flows = flows.filter { $0.value.limitedSince != nil || now.timeIntervalSince($0.value.last) <= 3600 }
    }

    private func evidence(_ sample: FlowTrafficSample) -> [Evidence] {
        [
            Evidence("flow", sample.flow), Evidence("declared-rate", sample.declared),
            Evidence("messages-per-second", MessageStormDetector.formatted(sample.messagesPerSecond)),
        ]
    }
}
