/// Which telemetry messages the hub acknowledged to their devices and which the monitor (an app
/// subscribed to every device's flow) received: a message acknowledged and never received is
/// lost, one received twice duplicated. Sequence numbers are per device, in the payload.
struct TelemetryLedger: Sendable {
    private var acknowledged: [Int: Set<Int>] = [:]
    /// When each QoS 1 message was acknowledged, for the report's list of the lost.
    private var acknowledgedAt: [Int: [Int: ContinuousClock.Instant]] = [:]
    private var received: [Int: Set<Int>] = [:]
    private(set) var duplicates: [Int: Int] = [0: 0, 1: 0]
    private var qosOf: [Int: Int] = [:]

    mutating func acknowledged(device: Int, sequence: Int, qos: Int, at instant: ContinuousClock.Instant = .now) {
        acknowledged[device, default: []].insert(sequence)
        if qos == 1 { acknowledgedAt[device, default: [:]][sequence] = instant }
        qosOf[device] = qos
    }

    mutating func received(device: Int, sequence: Int, qos: Int) {
        if !received[device, default: []].insert(sequence).inserted { duplicates[qos, default: 0] += 1 }
    }

    /// Per QoS: messages acknowledged, received and lost (acknowledged, not received).
    func summary() -> [Int: (acknowledged: Int, received: Int, lost: Int, duplicated: Int)] {
        var result: [Int: (acknowledged: Int, received: Int, lost: Int, duplicated: Int)] = [:]
        for qos in [0, 1] { result[qos] = (0, 0, 0, duplicates[qos] ?? 0) }
        for (device, sequences) in acknowledged {
            let qos = qosOf[device] ?? 1
            let got = received[device] ?? []
            result[qos]!.acknowledged += sequences.count
            result[qos]!.lost += sequences.subtracting(got).count
        }
        for (device, sequences) in received {
            result[qosOf[device] ?? 1, default: (0, 0, 0, 0)].received += sequences.count
        }
        return result
    }

    /// QoS 1 messages acknowledged and never received: (device, sequence, when acknowledged), the first `limit`.
    func lost(limit: Int = 20) -> [(device: Int, sequence: Int, at: ContinuousClock.Instant)] {
        var lost: [(device: Int, sequence: Int, at: ContinuousClock.Instant)] = []
        for (device, times) in acknowledgedAt {
            let got = received[device] ?? []
            for (sequence, at) in times where !got.contains(sequence) { lost.append((device, sequence, at)) }
        }
        return Array(lost.sorted { $0.at < $1.at }.prefix(limit))
    }

    /// Received but never acknowledged: sent, routed, and the PUBACK lost on the way back (a
    /// restart between routing and acknowledging) — not a loss.
    var unacknowledgedReceived: Int {
        received.reduce(0) { $0 + $1.value.subtracting(acknowledged[$1.key] ?? []).count }
    }
}
