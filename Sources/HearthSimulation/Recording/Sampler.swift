import Foundation
import Synchronization

/// Once a second: closes the recorder's second and reads the hub's CPU and memory from /proc;
/// beside that, every five, asks the hub how many alerts it raised (in a task of its own: a hub
/// slow to answer during a reconnection wave must not leave seconds unsampled). Times are seconds
/// from the origin (the fleet set up); set-up seconds come out negative.
final class Sampler: Sendable {
    let recorder: SimulationRecorder
    let hub: HubProcess
    let owner: OwnerAPI
    private let state = Mutex(State())

    struct State {
        var started = ContinuousClock.now
        var origin: ContinuousClock.Instant?
        var samples: [Sample] = []
        var alerts: Int?
        var stopped = false
    }

    init(recorder: SimulationRecorder, hub: HubProcess, owner: OwnerAPI) {
        self.recorder = recorder
        self.hub = hub
        self.owner = owner
    }

    func setOrigin(_ origin: ContinuousClock.Instant) { state.withLock { $0.origin = origin } }
    func stop() { state.withLock { $0.stopped = true } }

    func samples() -> [Sample] {
        state.withLock { state in
            let shift = state.origin.map { ($0 - state.started).seconds } ?? 0
            return state.samples.map { sample in
                var sample = sample
                sample.t -= shift
                return sample
            }
        }
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.countAlerts() }
            await sample()
            group.cancelAll()
        }
    }

    private func countAlerts() async {
        while !Task.isCancelled, !state.withLock({ $0.stopped }) {
            if let count = try? await owner.alertCount() { state.withLock { $0.alerts = count } }
            try? await Task.sleep(for: .seconds(5))
        }
    }

    private func sample() async {
        var previous: (pid: Int32, cpu: Double, at: ContinuousClock.Instant)?
        var next = ContinuousClock.now + .seconds(1)
        while !state.withLock({ $0.stopped }) {
            try? await Task.sleep(until: next)
            // A second missed (a starved process) is skipped, not made up by samples in a row.
            next = max(next + .seconds(1), ContinuousClock.now + .milliseconds(500))
            let (operations, connected, renewing) = recorder.cut()
            var now = ContinuousClock.now
            var cpuPercent: Double?
            var resident: Int?
            if let pid = await hub.pid {
                let gauge = ProcessGauge(pid: pid)
                resident = gauge.residentKiB()
                // The time of the reading itself: asking the hub's actor for its pid may have waited.
                now = ContinuousClock.now
                if let cpu = gauge.cpuMilliseconds() {
                    if let previous, previous.pid == pid {
                        cpuPercent = (cpu - previous.cpu) / ((now - previous.at).seconds * 1000) * 100
                    }
                    previous = (pid, cpu, now)
                }
            }
            state.withLock { state in
                state.samples.append(Sample(
                    t: (now - state.started).seconds, connected: connected, renewing: renewing, operations: operations, hubCPUPercent: cpuPercent,
                    hubRSSKiB: resident, alerts: state.alerts))
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
