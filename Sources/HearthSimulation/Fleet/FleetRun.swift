import Foundation
import HearthCore
import HearthDevice
import Logging
import Synchronization
import SwiftASN1
import X509

/// Plays a scenario: starts `hearth serve` on a scratch data folder, pairs the fleet (each device
/// through the SDK, approved by the owner over the API), connects it, plays the timeline while a
/// sampler records every second, then stops the fleet and the hub, verifies the audit log and
/// judges the scenario's expectations.
public struct FleetRun: Sendable {
    public let scenario: Scenario
    /// The `hearth` executable to run as the hub.
    public let hearth: URL
    /// A scratch folder: the hub's data, the devices' state folders, the hub's output.
    public let work: URL
    public let faults: FaultMethod
    public let logger: Logger

    public init(scenario: Scenario, hearth: URL, work: URL, faults: FaultMethod, logger: Logger) {
        self.scenario = scenario
        self.hearth = hearth
        self.work = work
        self.faults = faults
        self.logger = logger
    }

    /// A fault's recovery to measure: how many were connected before, and when it ended.
    struct Fault {
        let label: String
        let connectedBefore: Int
        var ended: Double?
    }

    public func run() async throws -> SimulationReport {
        let clock = SystemClock()
        let startedAt = RFC3339.format(clock.now)
        let hub = HubProcess(binary: hearth, data: work.appendingPathComponent("data"), settings: scenario.hub, network: faults.lab)
        let endpoints = try await hub.start()
        do {
            return try await play(hub: hub, endpoints: endpoints, startedAt: startedAt)
        } catch {
            await hub.kill()
            throw error
        }
    }

    private func play(hub: HubProcess, endpoints: HubProcess.Endpoints, startedAt: String) async throws -> SimulationReport {
        let rootPEM = try String(contentsOf: work.appendingPathComponent("data/ca-root.pem"), encoding: .utf8)
        let root = try Certificate(pemEncoded: rootPEM)
        guard let ownerAccount = await hub.owner else {
            throw HearthError(.configuration, "\(work.path)/data was not a new data folder: the owner's one-time password is unknown")
        }
        let owner = try await OwnerAPI.signIn(hub: endpoints.url, root: root, owner: ownerAccount)
        for kind in scenario.kinds { try await owner.declareFlows(model: FleetContext.model(of: kind), document: FleetContext.flowDocument()) }
        let devicesFolder = work.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: devicesFolder, withIntermediateDirectories: true)
        let recorder = SimulationRecorder()
        let fleet = FleetContext(
            scenario: scenario, recorder: recorder, hub: endpoints.url, host: endpoints.host, mqttPort: endpoints.mqtt,
            owner: owner, root: root, devicesFolder: devicesFolder, network: faults.lab, logger: logger)
        let sampler = Sampler(recorder: recorder, hub: hub, owner: owner)
        let sampling = Task { await sampler.run() }

        // Set-up: the monitor, then the fleet paired and connected.
        let setupStarted = ContinuousClock.now
        let monitor = TelemetryMonitor(app: try await MonitorApp.signIn(
            scope: "telemetry:read:\(FleetContext.flow)", in: fleet, owner: ownerAccount))
        let monitoring = Task { await monitor.run(in: fleet) }
        var nextIndex = 1
        var planned: [SimulatedDevice] = []
        for kind in scenario.kinds {
            for _ in 0..<kind.count {
                planned.append(fleet.makeDevice(index: nextIndex, kind: kind))
                nextIndex += 1
            }
        }
        logger.info("pairing \(planned.count) devices")
        let fleetDevices = FleetDevices()
        let paired = await fleet.pairAll(planned)
        let loops = DeviceLoops()
        for device in paired { loops.start(device, in: fleet); fleetDevices.add(device) }
        let deadline = ContinuousClock.now + .seconds(max(120, Double(paired.count) / 50))
        while recorder.connected < paired.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        let setupSeconds = setupStarted.secondsUntilNow
        sampler.setOrigin(ContinuousClock.now)
        logger.info("\(paired.count) devices paired, \(recorder.connected) connected in \(Int(setupSeconds)) s; playing \(scenario.name)")

        // The timeline.
        let origin = ContinuousClock.now
        let timeline = Timeline(
            fleet: fleet, hub: hub, devices: fleetDevices, loops: loops, faults: faults, origin: origin,
            nextIndex: nextIndex, owner: ownerAccount, logger: logger)
        for event in scenario.timeline.sorted(by: { $0.at < $1.at }) {
            try await Task.sleep(until: origin + .seconds(event.at))
            await timeline.play(event)
        }
        try await Task.sleep(until: origin + .seconds(scenario.duration))
        await timeline.finishBackground()

        // The end: devices stop, the monitor drains what is still on its way, the hub stops.
        for device in fleetDevices.all { device.control { $0.stopping = true } }
        await loops.waitAll(timeout: .seconds(30))
        let drainUntil = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < drainUntil, (recorder.totals().telemetry.summary()[1]?.lost ?? 0) > 0 {
            try await Task.sleep(for: .milliseconds(250))
        }
        monitor.stop()
        monitoring.cancel()
        sampler.stop()
        _ = await sampling.value
        await hub.stop()
        var auditVerified: Bool?
        if scenario.expect.auditVerifies == true {
            let verify = try hub.runCommand(["audit", "verify", "--log-level", "error"])
            auditVerified = verify.status == 0
            if verify.status != 0 { logger.error("hearth audit verify failed: \(verify.output)") }
        }

        var report = SimulationReport(
            scenario: scenario, startedAt: startedAt, machine: Self.machine(), setupDevices: paired.count,
            setupSeconds: setupSeconds, samples: sampler.samples(), marks: timeline.marks(),
            operations: [:], telemetry: [], recoveries: [], faultMethod: faults.name, expectations: [])
        let (operations, reconnects, ledger) = recorder.totals()
        for (operation, totals) in operations {
            report.operations[operation.rawValue] = .init(succeeded: totals.succeeded, failed: totals.failed, failures: totals.failures)
        }
        report.telemetry = ledger.summary().sorted { $0.key < $1.key }.map {
            .init(qos: $0.key, acknowledged: $0.value.acknowledged, received: $0.value.received, lost: $0.value.lost,
                  duplicated: $0.value.duplicated)
        }
        report.lostMessages = ledger.lost().map { lost in
            "device \(lost.device) #\(lost.sequence) acknowledged at \(Format.seconds((lost.at - origin).seconds))"
        }
        let sorted = reconnects.sorted()
        report.reconnectP50 = Percentile.of(sorted, 0.5)
        report.reconnectP99 = Percentile.of(sorted, 0.99)
        report.reconnectMax = sorted.last
        report.recoveries = timeline.faults().map { fault in
            let ended = fault.ended ?? scenario.duration
            let whole = report.samples.first { $0.t >= ended && $0.connected >= min(fault.connectedBefore, fleetDevices.activeCount) }
            return .init(event: fault.label, at: ended, seconds: whole.map { $0.t - ended })
        }
        report.hubPeakRSSKiB = report.samples.compactMap(\.hubRSSKiB).max()
        let cpu = report.samples.filter { $0.t >= 0 }.compactMap(\.hubCPUPercent)
        report.hubMeanCPUPercent = cpu.isEmpty ? nil : cpu.reduce(0, +) / Double(cpu.count)
        // Alerts while the scenario played: a fleet stopped at the end leaves certificates unrenewed.
        report.alerts = report.samples.last { $0.t <= scenario.duration && $0.alerts != nil }?.alerts
        report.auditVerified = auditVerified
        report.expectations = SimulationReport.judge(scenario.expect, report: report, devices: fleetDevices.activeCount)
        return report
    }

    static func machine() -> String {
        let info = ProcessInfo.processInfo
        return "\(info.activeProcessorCount) cores, \(info.physicalMemory / (1 << 30)) GiB, \(info.operatingSystemVersionString)"
    }
}

/// The fleet's devices, as events pick from them.
final class FleetDevices: Sendable {
    private let devices = Mutex<[SimulatedDevice]>([])
    private let decommissioned = Mutex<Set<Int>>([])

    func add(_ device: SimulatedDevice) { devices.withLock { $0.append(device) } }
    var all: [SimulatedDevice] { devices.withLock { $0 } }

    /// Devices not decommissioned.
    var active: [SimulatedDevice] {
        let gone = decommissioned.withLock { $0 }
        return all.filter { !gone.contains($0.index) }
    }

    var activeCount: Int { active.count }

    func markDecommissioned(_ device: SimulatedDevice) { _ = decommissioned.withLock { $0.insert(device.index) } }

    /// A share of the active devices, picked at random.
    func share(_ fraction: Double) -> [SimulatedDevice] {
        let active = self.active.shuffled()
        return Array(active.prefix(Int((fraction * Double(active.count)).rounded())))
    }
}

/// Each device's loop as a task of its own.
final class DeviceLoops: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func start(_ device: SimulatedDevice, in fleet: FleetContext) {
        let task = Task { await device.run(in: fleet) }
        tasks.withLock { $0.append(task) }
    }

    /// Waits for every loop to end; past `timeout` the rest are cancelled.
    func waitAll(timeout: Duration) async {
        let all = tasks.withLock { $0 }
        let cancel = Task {
            try? await Task.sleep(for: timeout)
            for task in all { task.cancel() }
        }
        for task in all { await task.value }
        cancel.cancel()
    }
}
