import Foundation

/// One second of a run: devices connected, what each operation did, the hub's CPU and memory.
public struct Sample: Codable, Sendable, Hashable {
    public struct OperationSecond: Codable, Sendable, Hashable {
        public var succeeded: Int
        /// By reason (`overloaded`, `hub-unreachable`, …).
        public var failures: [String: Int]
        /// Latency percentiles of the successes, in milliseconds.
        public var p50: Double?
        public var p99: Double?

        public var failed: Int { failures.values.reduce(0, +) }
    }

    /// Seconds since the fleet was set up (negative during set-up).
    public var t: Double
    public var connected: Int
    /// Devices between two sessions because they ended the first themselves to renew (a
    /// renewal and a reconnection take a fraction of a second): not connected, and not lost.
    public var renewing: Int?
    public var operations: [String: OperationSecond]
    /// The hub process's CPU over the second, in percent of one core.
    public var hubCPUPercent: Double?
    public var hubRSSKiB: Int?
    /// Alerts the hub has raised so far.
    public var alerts: Int?
}

/// What a run showed: the scenario, every second, the totals and the verdict on each expectation.
public struct SimulationReport: Codable, Sendable {
    public struct OperationTotal: Codable, Sendable, Hashable {
        public var succeeded: Int
        public var failed: Int
        public var failures: [String: Int]
    }

    public struct TelemetryTotal: Codable, Sendable, Hashable {
        public var qos: Int
        /// QoS 1: acknowledged by the hub (PUBACK); QoS 0: sent.
        public var acknowledged: Int
        public var received: Int
        public var lost: Int
        public var duplicated: Int
    }

    /// After a restart or a partition: how long until the fleet was whole again.
    public struct Recovery: Codable, Sendable, Hashable {
        public var event: String
        /// When the fault ended (the restart, the partition's end), seconds into the run.
        public var at: Double
        /// Seconds from then until as many devices were connected as before the fault; nil: never.
        public var seconds: Double?
    }

    public struct Mark: Codable, Sendable, Hashable {
        public var t: Double
        public var label: String
    }

    public struct Expectation: Codable, Sendable, Hashable {
        public var name: String
        public var expected: String
        public var actual: String
        public var passed: Bool
    }

    public var scenario: Scenario
    public var startedAt: String
    public var machine: String
    /// Devices paired and connected before the timeline started, and how long that took.
    public var setupDevices: Int
    public var setupSeconds: Double
    public var samples: [Sample]
    public var marks: [Mark]
    public var operations: [String: OperationTotal]
    public var telemetry: [TelemetryTotal]
    /// The first QoS 1 messages lost, to find them in the hub's log: "device 12 #40 acknowledged at 26.1 s".
    public var lostMessages: [String] = []
    /// Per-device times from losing the MQTT session to having it again, in seconds.
    public var reconnectP50: Double?
    public var reconnectP99: Double?
    public var reconnectMax: Double?
    public var recoveries: [Recovery]
    public var hubPeakRSSKiB: Int?
    public var hubMeanCPUPercent: Double?
    public var alerts: Int?
    public var auditVerified: Bool?
    /// How faults were made: `netns+netem` or the in-process fallback (docs/simulator.md).
    public var faultMethod: String
    public var expectations: [Expectation]
    public var passed: Bool { expectations.allSatisfy(\.passed) }
}

extension SimulationReport {
    /// Checks the scenario's expectations against what the run counted.
    static func judge(_ expect: Scenario.Expectations, report: SimulationReport, devices: Int) -> [Expectation] {
        var results: [Expectation] = []
        func atMost(_ name: String, _ limit: Int?, _ actual: Int) {
            guard let limit else { return }
            results.append(Expectation(name: name, expected: "≤ \(limit)", actual: "\(actual)", passed: actual <= limit))
        }
        // Renewals tried while a partition cut the device off fail by design; each is tried again after.
        let renewalFailures = report.operations["renewal"]?.failures ?? [:]
        atMost(
            "failed renewals (other than cut off by a partition)", expect.failedRenewals,
            renewalFailures.filter { $0.key != "partitioned" }.values.reduce(0, +))
        atMost("failed pairings", expect.failedPairings, report.operations["pairing"]?.failed ?? 0)
        atMost("lost QoS 1 messages", expect.lostQoS1, report.telemetry.first { $0.qos == 1 }?.lost ?? 0)
        if let limit = expect.tokenErrors {
            let failures = report.operations["token"]?.failures ?? [:]
            // Shed: told when to come back, by the in-flight limit (503) or the detection's
            // throttling of a client far above its baseline (429).
            let errors = failures.filter { !["overloaded", "throttled"].contains($0.key) }.values.reduce(0, +)
            results.append(Expectation(
                name: "token requests failed other than shed", expected: "≤ \(limit)", actual: "\(errors)", passed: errors <= limit))
        }
        if let within = expect.reconnectWithin {
            let slowest = report.recoveries.map { $0.seconds ?? .infinity }.max()
            results.append(Expectation(
                name: "fleet reconnected after each fault", expected: "within \(Format.seconds(within))",
                actual: slowest.map { $0.isFinite ? Format.seconds($0) : "not all came back" } ?? "no fault played",
                passed: slowest.map { $0 <= within } ?? false))
        }
        if let share = expect.connectedAtEnd {
            // The last second played, before the fleet was stopped. A device caught between the
            // sessions around its own renewal is counted, and shown: the renewal is judged on its own.
            let last = report.samples.last { $0.t <= report.scenario.duration }
            let connected = last?.connected ?? 0, renewing = last?.renewing ?? 0
            let needed = Int((share * Double(devices)).rounded(.up))
            results.append(Expectation(
                name: "connected at the end", expected: "≥ \(needed) of \(devices)",
                actual: renewing > 0 ? "\(connected) and \(renewing) renewing" : "\(connected)",
                passed: connected + renewing >= needed))
        }
        if let least = expect.alertsAtLeast {
            let alerts = report.alerts ?? 0
            results.append(Expectation(name: "alerts raised", expected: "≥ \(least)", actual: "\(alerts)", passed: alerts >= least))
        }
        if expect.auditVerifies == true {
            let verified = report.auditVerified
            results.append(Expectation(
                name: "hearth audit verify", expected: "passes",
                actual: verified.map { $0 ? "passes" : "FAILS" } ?? "not run", passed: verified == true))
        }
        return results
    }
}

enum Format {
    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f s", value) : "\(Int(value.rounded())) s"
    }
}
