import Foundation

/// A campaign's progress as a state machine (the style of postgres-nio's connection state
/// machine): events in — time passing, devices reporting and connecting — actions out — offer
/// the release, roll a cohort back, halt, advance, complete. No I/O; the hub's rollout service
/// stores the state and carries the actions out.
public struct CampaignMachine: Sendable, Hashable, Codable {
    public enum DeviceState: Sendable, Hashable, Codable {
        case waiting
        case offered(at: Date)
        case updated(at: Date)
        case failed(reason: String)
        case rolledBack(at: Date)
    }

    public struct Device: Sendable, Hashable, Codable {
        public let cohort: Int
        public var state: DeviceState
        /// Connections since the offer.
        public var connections: Int
    }

    public enum Phase: Sendable, Hashable, Codable {
        public var name: String {
            switch self {
            case .updating: "updating"
            case .soaking: "soaking"
            case .halted: "halted"
            case .completed: "completed"
            }
        }

        /// The cohort's devices were offered the release at `since`.
        case updating(cohort: Int, since: Date)
        /// Every device of the cohort passed or failed within the threshold; watched until `until`.
        case soaking(cohort: Int, until: Date)
        case halted(reason: String)
        case completed
    }

    public enum Action: Sendable, Hashable {
        case offer([String], CampaignPlan.Release)
        case rollBack([String], CampaignPlan.Release)
        case halt(reason: String)
        case advance(cohort: Int)
        case complete
        /// A device failed the gate (for the audit log and the alert).
        case deviceFailed(String, reason: String)
    }

    public let plan: CampaignPlan
    public private(set) var phase: Phase
    public private(set) var devices: [String: Device]

    /// A new campaign over `devices` (ids, with the version each runs), starting at `now`:
    /// devices that run the target already count as updated.
    public init(plan: CampaignPlan, id: String, devices: [String: String], at now: Date) {
        self.plan = plan
        let cohorts = plan.assign(Array(devices.keys), campaign: id)
        self.devices = cohorts.mapValues { Device(cohort: $0, state: .waiting, connections: 0) }
        for (device, version) in devices where version == plan.target.version {
            self.devices[device]?.state = .updated(at: now)
        }
        phase = .updating(cohort: 0, since: now)
    }

    /// Starts the first cohort; what to do.
    public mutating func start(at now: Date) -> [Action] {
        guard case .updating(let cohort, _) = phase else { return [] }
        return offer(cohort, at: now)
    }

    public mutating func reported(_ device: String, version: String, at now: Date) -> [Action] {
        guard var entry = devices[device], case .offered = entry.state, version == plan.target.version else { return [] }
        entry.state = .updated(at: now)
        devices[device] = entry
        return []
    }

    public mutating func connected(_ device: String, at now: Date) -> [Action] {
        connections(device, count: (devices[device]?.connections ?? 0) + 1)
    }

    /// The connections counted for `device` since its offer (a tally kept elsewhere; a count
    /// lower than the one known changes nothing).
    public mutating func connections(_ device: String, count: Int) -> [Action] {
        guard var entry = devices[device], case .offered = entry.state, count > entry.connections else { return [] }
        entry.connections = count
        devices[device] = entry
        guard entry.connections > plan.maximumReconnects else { return [] }
        return fail(device, reason: "reconnected \(entry.connections) times since the offer: a crash loop")
    }

    /// Time passing: gates expire, cohorts are judged, soaks end.
    public mutating func tick(at now: Date) -> [Action] {
        switch phase {
        case .updating(let cohort, _):
            var actions: [Action] = []
            for (id, device) in devices.sorted(by: { $0.key < $1.key }) where device.cohort == cohort {
                if case .offered(let at) = device.state, now.timeIntervalSince(at) >= plan.gate {
                    actions += fail(id, reason: "did not report \(plan.target.version) within \(Int(plan.gate)) s of the offer")
                }
            }
            let members = devices.values.filter { $0.cohort == cohort }
            let pending = members.contains {
                if case .offered = $0.state { return true }
                if case .waiting = $0.state { return true }
                return false
            }
            guard !pending else { return actions }
            let failed = members.filter { if case .failed = $0.state { return true } else { return false } }.count
            let rate = members.isEmpty ? 0 : Double(failed) / Double(members.count)
            if rate > plan.failureThreshold {
                let reason = "\(failed) of \(members.count) devices of cohort \(cohort + 1) failed (\(Int((rate * 100).rounded())) %, above \(Int((plan.failureThreshold * 100).rounded())) %)"
                phase = .halted(reason: reason)
                actions.append(.halt(reason: reason))
                if plan.mayRollBack, let previous = plan.previous {
                    let cohortDevices = devices.filter { $0.value.cohort == cohort }.map(\.key).sorted()
                    for id in cohortDevices { devices[id]?.state = .rolledBack(at: now) }
                    actions.append(.rollBack(cohortDevices, previous))
                }
                return actions
            }
            phase = .soaking(cohort: cohort, until: now.addingTimeInterval(plan.soak))
            return actions
        case .soaking(let cohort, let until):
            guard now >= until else { return [] }
            let next = cohort + 1
            guard next < plan.cohorts.count else {
                phase = .completed
                return [.complete]
            }
            phase = .updating(cohort: next, since: now)
            return [.advance(cohort: next)] + offer(next, at: now)
        case .halted, .completed:
            return []
        }
    }

    private mutating func offer(_ cohort: Int, at now: Date) -> [Action] {
        let waiting = devices.filter { $0.value.cohort == cohort && $0.value.state == .waiting }.map(\.key).sorted()
        for id in waiting { devices[id]?.state = .offered(at: now) }
        return waiting.isEmpty ? [] : [.offer(waiting, plan.target)]
    }

    private mutating func fail(_ device: String, reason: String) -> [Action] {
        devices[device]?.state = .failed(reason: reason)
        return [.deviceFailed(device, reason: reason)]
    }

    /// Devices of each state, for the views.
    public var counts: [String: Int] { counts(of: nil) }

    /// Devices of each state, among `subset` when given.
    public func counts(of subset: Set<String>?) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (id, device) in devices where subset?.contains(id) ?? true {
            let name = switch device.state {
            case .waiting: "waiting"
            case .offered: "offered"
            case .updated: "updated"
            case .failed: "failed"
            case .rolledBack: "rolled-back"
            }
            counts[name, default: 0] += 1
        }
        return counts
    }

    /// The release a device should install now, if the campaign offers it one.
    public func offer(for device: String) -> CampaignPlan.Release? {
        switch devices[device]?.state {
        case .offered?: plan.target
        case .rolledBack?: plan.mayRollBack ? plan.previous : nil
        default: nil
        }
    }
}
