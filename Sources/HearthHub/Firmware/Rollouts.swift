import Foundation
import HearthAudit
import HearthBroker
import HearthCore
import HearthFirmware
import HearthStore

/// Staged rollouts (docs/firmware.md, "Rollouts"), the operator's: a campaign offers a release to
/// the devices of one model, cohort by cohort, behind a health gate; ``CampaignMachine`` decides,
/// this service stores each step with its audit entries and carries it out — offers go to each
/// device as `devices/<id>/cmd/update` (when it is connected) and wait for it at
/// `GET /v1/device/update`. The running hub ticks every second.
public struct Rollouts: Sendable {
    package let store: Store
    let broker: Broker?
    let connections: ConnectionTally?

    package init(store: Store, broker: Broker?, connections: ConnectionTally?) {
        self.store = store
        self.broker = broker
        self.connections = connections
    }

    public struct Settings: Sendable {
        public var cohorts: [Double] = [5, 25, 100]
        public var soak: TimeInterval = 3600
        public var gate: TimeInterval = 900
        public var maximumReconnects = 5
        public var failureThreshold = 0.1
        /// Roll a failed cohort back to `rollbackTo` even if its security version is lower (audited).
        public var rollbackOverride = false
        /// The release a failed cohort goes back to; by default the newest one published before.
        public var rollbackTo: String?
        public init() {}
    }

    public struct CampaignView: Sendable, Encodable {
        public let id: String
        public let model: String
        public let version: String
        public let securityVersion: Int64
        public let rollbackTo: String?
        public let phase: String
        public let reason: String?
        public let cohort: Int?
        public let cohorts: [Double]
        public let devices: [String: Int]
        public let createdAt: String
        public let createdBy: String

        enum CodingKeys: String, CodingKey {
            case id, model, version, securityVersion = "security_version", rollbackTo = "rollback_to", phase, reason, cohort, cohorts
            case devices, createdAt = "created_at", createdBy = "created_by"
        }
    }

    /// Starts a campaign for `model`'s release `version` over every device (of every household)
    /// that reports running that model; the first cohort is offered at once.
    public func start(model: String, version: String, settings: Settings = Settings(), actor: AuditActor) async throws -> CampaignView {
        let id = "cmp_" + Base64URL.encode(SecureRandom.bytes(9))
        let (row, actions) = try await store.write { db -> (CampaignRecords.Row, [CampaignMachine.Action]) in
            let now = db.clock.now
            let releases = try await db.firmware.releases(model: model)
            guard let target = releases.first(where: { $0.version == version && $0.withdrawnAt == nil }) else {
                throw HearthError(.notFound, "no published release \(version) of \(model)")
            }
            var fleet: [String: String] = [:]
            for household in try await db.households.all() where household.state == .active {
                let reports = try await db.posture.reports(household: household.id)
                for device in try await db.devices.all(in: household.id) where device.state == .active {
                    if let report = reports[device.id], report.model == model { fleet[device.id.rawValue] = report.version }
                }
            }
            guard !fleet.isEmpty else { throw HearthError(.notFound, "no active device reports running \(model)") }
            // What a failed cohort goes back to: the release asked for, or the one most of the
            // fleet runs now (what it ran before the campaign).
            let previous: FirmwareRecords.ReleaseRow?
            if let wanted = settings.rollbackTo {
                guard let found = releases.first(where: { $0.version == wanted }) else {
                    throw HearthError(.notFound, "no release \(wanted) of \(model) to roll back to")
                }
                previous = found
            } else {
                let running = Dictionary(fleet.values.filter { $0 != version }.map { ($0, 1) }, uniquingKeysWith: +)
                previous = releases.filter { $0.withdrawnAt == nil && running[$0.version] != nil }
                    .max { (running[$0.version] ?? 0, $0.securityVersion) < (running[$1.version] ?? 0, $1.securityVersion) }
            }
            let plan: CampaignPlan
            do {
                plan = try CampaignPlan(
                    model: model, target: Self.release(target), previous: previous.map(Self.release), cohorts: settings.cohorts,
                    soak: settings.soak, gate: settings.gate, maximumReconnects: settings.maximumReconnects,
                    failureThreshold: settings.failureThreshold, rollbackOverride: settings.rollbackOverride)
            } catch { throw HearthError(.invalidInput, "\(error)") }

            var machine = CampaignMachine(plan: plan, id: id, devices: fleet, at: now)
            let actions = machine.start(at: now)
            let row = CampaignRecords.Row(
                id: id, model: model, phase: machine.phase.name, machine: try Self.encode(machine), createdAt: now,
                createdBy: actor.description, updatedAt: now)
            try await db.campaigns.insert(row)
            var details = [
                "model": model, "version": version, "devices": "\(fleet.count)",
                "cohorts": settings.cohorts.map { String(format: "%g", $0) }.joined(separator: ","),
                "rollback_to": previous?.version ?? "none",
            ]
            if settings.rollbackOverride { details["rollback_override"] = "the owner allows going back to a lower security version" }
            try await db.audit.append(AuditEvent(
                .campaignStarted, actor: actor, subject: "campaign:\(id)", household: nil,
                reason: "a staged rollout of \(model) \(version) to \(fleet.count) devices", details: details))
            try await audit(actions, campaign: id, in: db)
            return (row, actions)
        }
        try await carryOut(actions, campaign: id)
        return try view(row)
    }

    /// One step of every running campaign: reports and connections fed in, time passed, the
    /// actions stored, audited and carried out.
    package func tick() async throws {
        for row in try await store.read({ db in try await db.campaigns.active() }) {
            let actions = try await store.write { db -> [CampaignMachine.Action] in
                guard let current = try await db.campaigns.find(row.id), current.updatedAt == row.updatedAt else { return [] }
                let now = db.clock.now
                var machine = try Self.decode(current.machine)
                var actions: [CampaignMachine.Action] = []
                for (device, entry) in machine.devices {
                    guard case .offered(let at) = entry.state, let id = DeviceID(device) else { continue }
                    if let report = try await db.posture.report(id), report.reportedAt >= at {
                        actions += machine.reported(device, version: report.version, at: report.reportedAt)
                    }
                    if let connections {
                        actions += machine.connections(device, count: connections.count(id, since: at))
                    }
                }
                actions += machine.tick(at: now)
                let encoded = try Self.encode(machine)
                guard encoded != current.machine else { return [] }
                guard try await db.campaigns.update(
                    id: row.id, phase: machine.phase.name, machine: encoded, previous: current.updatedAt, at: now)
                else { return [] }
                try await audit(actions, campaign: row.id, in: db)
                return actions
            }
            try await carryOut(actions, campaign: row.id)
        }
    }

    /// What a device should install now, as `GET /v1/device/update` answers it; nil when nothing.
    package func offer(for device: DeviceID) async throws -> (campaign: String, release: CampaignPlan.Release, rollback: Bool)? {
        // The newest campaign the device is part of decides: an older one (a halted campaign's
        // rollback) never overrides what a later campaign did.
        for row in try await store.read({ db in try await db.campaigns.all() }) {
            let machine = try Self.decode(row.machine)
            guard machine.devices[device.rawValue] != nil else { continue }
            guard let release = machine.offer(for: device.rawValue) else { return nil }
            return (row.id, release, release != machine.plan.target)
        }
        return nil
    }

    public func list() async throws -> [CampaignView] {
        try await store.read { db in try await db.campaigns.all() }.map { try view($0) }
    }

    /// The campaigns reaching any of `devices`, newest first, with only those devices counted
    /// (an owner's view of the operator's rollouts).
    public func list(devices: Set<String>) async throws -> [CampaignView] {
        try await store.read { db in try await db.campaigns.all() }.compactMap { row in
            let machine = try Self.decode(row.machine)
            guard machine.devices.keys.contains(where: devices.contains) else { return nil }
            return try view(row, counting: devices)
        }
    }

    public func show(_ id: String) async throws -> CampaignView {
        guard let row = try await store.read({ db in try await db.campaigns.find(id) }) else {
            throw HearthError(.notFound, "no campaign \(id)")
        }
        return try view(row)
    }

    // MARK: internals

    private func audit(_ actions: [CampaignMachine.Action], campaign: String, in db: StoreSession) async throws {
        for action in actions {
            let (event, reason, details): (AuditAction, String, [String: String]) = switch action {
            case .offer(let devices, let release):
                (.campaignOffered, "offered \(release.version) to \(devices.count) devices", ["devices": devices.joined(separator: ","), "version": release.version])
            case .rollBack(let devices, let release):
                (.campaignRolledBack, "the failed cohort goes back to \(release.version)", ["devices": devices.joined(separator: ","), "version": release.version])
            case .halt(let why): (.campaignHalted, why, [:])
            case .advance(let cohort): (.campaignAdvanced, "cohort \(cohort + 1) starts", ["cohort": "\(cohort + 1)"])
            case .complete: (.campaignCompleted, "every cohort updated", [:])
            case .deviceFailed(let device, let why): (.campaignDeviceFailed, why, ["device": device])
            }
            try await db.audit.append(AuditEvent(
                event, actor: .system("rollouts"), subject: "campaign:\(campaign)", household: nil, reason: reason, details: details))
        }
    }

    /// Offers (and rollbacks) to devices connected to this process's broker, at once; the others
    /// find them at `GET /v1/device/update`.
    private func carryOut(_ actions: [CampaignMachine.Action], campaign: String) async throws {
        guard let broker else { return }
        for action in actions {
            let (devices, release, rollback): ([String], CampaignPlan.Release, Bool)
            switch action {
            case .offer(let ids, let offered): (devices, release, rollback) = (ids, offered, false)
            case .rollBack(let ids, let offered): (devices, release, rollback) = (ids, offered, true)
            default: continue
            }
            let payload = Array(try JSONEncoder().encode(UpdateOffer(campaign: campaign, release: release, rollback: rollback)))
            let households = try await store.read { db in
                var found: [String: HouseholdID] = [:]
                for id in devices.compactMap(DeviceID.init) {
                    if let device = try await db.devices.find(id) { found[id.rawValue] = device.householdID }
                }
                return found
            }
            for (device, household) in households {
                broker.publishFromHub(topic: "devices/\(device)/cmd/update", payload: payload, household: household, publisher: "hub:rollout")
            }
        }
    }

    /// What `devices/<id>/cmd/update` and `GET /v1/device/update` say.
    public struct UpdateOffer: Sendable, Codable {
        public let campaign: String
        public let version: String
        public let securityVersion: Int64
        public let path: String
        public let sha256: String
        public let rollback: Bool

        enum CodingKeys: String, CodingKey { case campaign, version, securityVersion = "security_version", path, sha256, rollback }

        public init(campaign: String, release: CampaignPlan.Release, rollback: Bool) {
            self.campaign = campaign
            version = release.version
            securityVersion = release.securityVersion
            path = release.path
            sha256 = release.sha256
            self.rollback = rollback
        }
    }

    private func view(_ row: CampaignRecords.Row, counting devices: Set<String>? = nil) throws -> CampaignView {
        let machine = try Self.decode(row.machine)
        var reason: String?
        var cohort: Int?
        switch machine.phase {
        case .updating(let c, _), .soaking(let c, _): cohort = c + 1
        case .halted(let why): reason = why
        case .completed: break
        }
        return CampaignView(
            id: row.id, model: row.model, version: machine.plan.target.version, securityVersion: machine.plan.target.securityVersion,
            rollbackTo: machine.plan.previous?.version, phase: machine.phase.name, reason: reason, cohort: cohort,
            cohorts: machine.plan.cohorts, devices: machine.counts(of: devices), createdAt: RFC3339.format(row.createdAt), createdBy: row.createdBy)
    }

    static func release(_ row: FirmwareRecords.ReleaseRow) -> CampaignPlan.Release {
        CampaignPlan.Release(version: row.version, securityVersion: row.securityVersion, path: row.path, sha256: row.sha256)
    }

    static func encode(_ machine: CampaignMachine) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(machine), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> CampaignMachine {
        try JSONDecoder().decode(CampaignMachine.self, from: Data(text.utf8))
    }
}
