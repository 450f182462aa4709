import Synchronization

/// What the fleet does, counted as it happens from every device's task and event loop, and cut
/// into one ``Sample`` a second by the run's sampler.
///
/// Latencies are kept only for the second they fall in and summarized as percentiles when it
/// closes, so a day of ten thousand devices costs memory for one second of them.
public final class SimulationRecorder: Sendable {
    private let state = Mutex(State())

    struct State {
        var window: [Operation: OperationWindow] = [:]
        var totals: [Operation: OperationTotals] = [:]
        var connected = 0
        var renewing = 0
        var reconnects: [Double] = []
        var telemetry = TelemetryLedger()
    }

    struct OperationWindow {
        var succeeded = 0
        var failures: [String: Int] = [:]
        var latencies: [Double] = []
    }

    public init() {}

    /// One operation ended: `failure` nil when it succeeded, else a short reason
    /// (`overloaded`, `hub-unreachable`, `tls-failed`, `refused-409` …).
    public func record(_ operation: Operation, milliseconds: Double, failure: String? = nil) {
        state.withLock { state in
            var window = state.window[operation, default: OperationWindow()]
            var totals = state.totals[operation, default: OperationTotals()]
            if let failure {
                window.failures[failure, default: 0] += 1
                totals.failures[failure, default: 0] += 1
            } else {
                window.succeeded += 1
                window.latencies.append(milliseconds)
                totals.succeeded += 1
            }
            state.window[operation] = window
            state.totals[operation] = totals
        }
    }

    /// A device's MQTT session came up (+1) or went down (-1).
    public func connection(_ change: Int) {
        state.withLock { $0.connected += change }
    }

    /// A device ended its session itself to renew (+1), or is done with that: connected again, or
    /// its renewal or connection failed (-1). Such a device is between sessions, not lost.
    public func renewing(_ change: Int) {
        state.withLock { $0.renewing += change }
    }

    /// A device was connected again `seconds` after it lost its session.
    public func reconnected(after seconds: Double) {
        state.withLock { $0.reconnects.append(seconds) }
    }

    /// A device's telemetry message `sequence` was acknowledged by the hub (QoS 1: PUBACK).
    public func acknowledged(device: Int, sequence: Int, qos: Int) {
        state.withLock { $0.telemetry.acknowledged(device: device, sequence: sequence, qos: qos) }
    }

    /// The monitor received a device's telemetry message `sequence`.
    public func received(device: Int, sequence: Int, qos: Int) {
        state.withLock { $0.telemetry.received(device: device, sequence: sequence, qos: qos) }
    }

    public var connected: Int { state.withLock { $0.connected } }

    /// Closes the current second: counts, failures and latency percentiles per operation.
    func cut() -> (operations: [String: Sample.OperationSecond], connected: Int, renewing: Int) {
        state.withLock { state in
            var operations: [String: Sample.OperationSecond] = [:]
            for (operation, window) in state.window where window.succeeded > 0 || !window.failures.isEmpty {
                let sorted = window.latencies.sorted()
                operations[operation.rawValue] = Sample.OperationSecond(
                    succeeded: window.succeeded, failures: window.failures,
                    p50: Percentile.of(sorted, 0.50), p99: Percentile.of(sorted, 0.99))
            }
            state.window = [:]
            return (operations, state.connected, state.renewing)
        }
    }

    /// Everything counted since the start.
    func totals() -> (operations: [Operation: OperationTotals], reconnects: [Double], telemetry: TelemetryLedger) {
        state.withLock { ($0.totals, $0.reconnects, $0.telemetry) }
    }
}

/// The operations a simulated fleet performs.
public enum Operation: String, Sendable, Codable, CaseIterable {
    case pairing, renewal, token, connect, publish
}

struct OperationTotals: Sendable {
    var succeeded = 0
    var failures: [String: Int] = [:]
    var failed: Int { failures.values.reduce(0, +) }
}

enum Percentile {
    /// The nearest-rank percentile of sorted values; nil for none.
    static func of(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
