import Foundation
import Synchronization

/// Once a second: closes the recorder's second and reads the hub's CPU and memory from /proc;
/// every five, asks the hub how many alerts it raised. Times are seconds from the origin (the
/// fleet set up); set-up seconds come out negative.
final class Sampler: Sendable {
    let recorder: SimulationRecorder
    let hub: HubProcess
    let owner: OwnerAPI
    private let state = Mutex(State())

    struct State {
        var started = ContinuousClock.now
        var origin: ContinuousClock.Instant?
        var samples: [Sample] = []
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
        var previous: (pid: Int32, cpu: Double, at: ContinuousClock.Instant)?
        var alerts: Int?
        var tick = 0
        var next = ContinuousClock.now + .seconds(1)
        while !state.withLock({ $0.stopped }) {
            try? await Task.sleep(until: next)
            next += .seconds(1)
            tick += 1
            let (operations, connected) = recorder.cut()
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
            if tick % 5 == 0, let count = try? await owner.alertCount() { alerts = count }
            let elapsed = state.withLock { (now - $0.started).seconds }
            let sample = Sample(
                t: elapsed, connected: connected, operations: operations, hubCPUPercent: cpuPercent, hubRSSKiB: resident,
                alerts: alerts)
            state.withLock { $0.samples.append(sample) }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
