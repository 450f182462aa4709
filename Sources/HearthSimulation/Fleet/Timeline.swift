import Foundation
import HearthCore
import HearthDevice
import Logging
import Synchronization

/// Plays a scenario's events against the fleet and the hub, keeping the marks the report's charts
/// show and the faults whose recovery it measures. Events that take time (a pairing burst, a token
/// storm, a partition's end) run in the background while the timeline goes on.
final class Timeline: Sendable {
    let fleet: FleetContext
    let hub: HubProcess
    let devices: FleetDevices
    let loops: DeviceLoops
    let faultMethod: FaultMethod
    let origin: ContinuousClock.Instant
    let owner: HubProcess.Owner
    let logger: Logger
    private let state: Mutex<State>

    struct State {
        var nextIndex: Int
        var marks: [SimulationReport.Mark] = []
        var faults: [FleetRun.Fault] = []
        var background: [Task<Void, Never>] = []
        var stormClient: AppClient?
    }

    init(
        fleet: FleetContext, hub: HubProcess, devices: FleetDevices, loops: DeviceLoops, faults: FaultMethod,
        origin: ContinuousClock.Instant, nextIndex: Int, owner: HubProcess.Owner, logger: Logger
    ) {
        self.fleet = fleet
        self.hub = hub
        self.devices = devices
        self.loops = loops
        self.faultMethod = faults
        self.origin = origin
        self.owner = owner
        self.logger = logger
        state = Mutex(State(nextIndex: nextIndex))
    }

    var now: Double { (ContinuousClock.now - origin).seconds }
    func marks() -> [SimulationReport.Mark] { state.withLock { $0.marks } }
    func faults() -> [FleetRun.Fault] { state.withLock { $0.faults } }

    private func mark(_ label: String) {
        let t = now
        state.withLock { $0.marks.append(.init(t: t, label: label)) }
        logger.info("t=\(Int(t)) s: \(label)")
    }

    private func background(_ work: @escaping @Sendable () async -> Void) {
        let task = Task { await work() }
        state.withLock { $0.background.append(task) }
    }

    /// Waits for the background work still running (a storm that outlasts the run).
    func finishBackground() async {
        for task in state.withLock({ $0.background }) { await task.value }
    }

    func play(_ event: Scenario.TimelineEvent) async {
        switch event.event {
        case .hubRestart:
            let before = fleet.recorder.connected
            mark("hub kill -9")
            let faultIndex = state.withLock { state in
                state.faults.append(.init(label: "hub restart (kill -9)", connectedBefore: before, ended: nil))
                return state.faults.count - 1
            }
            let killedAt = now
            await hub.kill()
            do {
                _ = try await hub.start()
                mark("hub up again")
            } catch {
                logger.error("the hub did not start again: \(error)")
            }
            // Recovery counts from the kill: the hub's own start-up is part of the outage.
            state.withLock { $0.faults[faultIndex].ended = killedAt }
        case .partition:
            let chosen = devices.share(event.share ?? 0)
            let seconds = event.duration ?? 0
            let before = fleet.recorder.connected
            mark("partition of \(chosen.count)")
            let faultIndex = state.withLock { state in
                state.faults.append(.init(label: "partition of \(chosen.count) for \(Int(seconds)) s", connectedBefore: before))
                return state.faults.count - 1
            }
            do {
                try faultMethod.cut(chosen, seconds: seconds)
            } catch {
                logger.error("the partition could not be made: \(error)")
            }
            background { [self] in
                try? await Task.sleep(for: .seconds(seconds))
                do {
                    try faultMethod.heal(chosen)
                } catch {
                    logger.error("the partition could not be lifted: \(error)")
                }
                let ended = now
                state.withLock { $0.faults[faultIndex].ended = ended }
                mark("partition ends")
            }
        case .renewalWave:
            let chosen = devices.share(event.share ?? 1)
            let until = ContinuousClock.now + .seconds(event.duration ?? 0)
            mark("renewal wave: \(chosen.count) devices\(event.duration.map { " after \(Int($0)) s" } ?? "")")
            // A wave now interrupts the sessions so their devices renew at once; a held wave lets
            // them go on — each publisher reads the hold on its next wake and ends the session
            // when it is over (interrupting them would add a reconnect storm of its own).
            let held = (event.duration ?? 0) > 0
            for device in chosen {
                device.control(interrupt: !held) { state in
                    state.renewalsHeldUntil = until
                    state.renewAtOnce = true
                }
            }
        case .pairingBurst:
            guard let kind = fleet.scenario.kinds.first(where: { $0.name == event.kind }) else { return }
            let count = event.count ?? 0
            let first = state.withLock { state in
                defer { state.nextIndex += count }
                return state.nextIndex
            }
            mark("pairing burst of \(count)")
            background { [self] in
                let new = (first..<(first + count)).map { fleet.makeDevice(index: $0, kind: kind) }
                for device in await fleet.pairAll(new, concurrency: event.concurrency ?? 32) {
                    devices.add(device)
                    loops.start(device, in: fleet)
                }
            }
        case .decommission:
            let chosen = devices.share(event.share ?? 0)
            mark("decommission \(chosen.count)")
            for device in chosen {
                guard let id = device.deviceID else { continue }
                devices.markDecommissioned(device)
                device.control(interrupt: false) { $0.decommissioned = true }
                try? await fleet.owner.decommission(device: id)
            }
        case .tokenStorm:
            let requests = event.requests ?? 0
            let concurrency = event.concurrency ?? 64
            mark("token storm: \(requests) requests")
            background { [self] in await tokenStorm(requests: requests, concurrency: concurrency) }
        case .attack:
            let count = event.count ?? 0
            mark("attack: \(count) foreign certificates, \(count) password guesses")
            background { [self] in
                _ = await Attacks.foreignCertificates(count, in: fleet)
                _ = await Attacks.passwordGuesses(count, owner: owner.email, in: fleet)
            }
        }
    }

    /// A buggy app: `requests` token requests, `concurrency` at once, each on a new connection,
    /// none honouring Retry-After (a careful client would).
    private func tokenStorm(requests: Int, concurrency: Int) async {
        let client: AppClient
        do {
            if let made = state.withLock({ $0.stormClient }) {
                client = made
            } else {
                client = try await AppClient.make("storm", index: -1, scope: "devices:read", in: fleet)
                state.withLock { $0.stormClient = client }
            }
        } catch {
            logger.error("the token storm's client could not be set up: \(error)")
            return
        }
        // The app's host keeps its certificate renewed on its own, one renewal at a time; the
        // requests share the connection settings made from the newest certificate.
        guard let first = try? client.host.device.hubConnection() else { return }
        let connection = Latest(first)
        let renewing = Task {
            while !Task.isCancelled {
                if (try? await client.host.device.renewIfDue())?.renewed == true, let next = try? client.host.device.hubConnection() {
                    connection.set(next)
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
        defer { renewing.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<requests {
                if index >= concurrency { await group.next() }
                group.addTask { [fleet] in
                    let started = ContinuousClock.now
                    do {
                        let reply = try await client.requestToken(over: connection.value)
                        if reply.status == 200 {
                            fleet.recorder.record(.token, milliseconds: started.millisecondsSince)
                        } else {
                            fleet.recorder.record(.token, milliseconds: started.millisecondsSince, failure: FailureReason.of(reply.problem))
                        }
                    } catch {
                        fleet.recorder.record(.token, milliseconds: started.millisecondsSince, failure: FailureReason.of(error))
                    }
                }
            }
        }
    }
}

/// A value replaced from one task and read from many.
private final class Latest<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    var value: Value { state.withLock { $0 } }
    func set(_ value: Value) { state.withLock { $0 = value } }
}
