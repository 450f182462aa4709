import Foundation
import HearthAudit
import HearthCommandLine
import HearthCore
import HearthHub
import HearthPKI
import HearthPairing
import HearthStore
import Logging
import Synchronization

/// What `hearth-bench console` measures against, kept in the data folder beside the database
/// (`bench-console.json`, 0600) so that a kept folder can be measured again without seeding.
struct ConsoleSeed: Codable, Sendable {
    static let fileName = "bench-console.json"

    /// The first owner, who signs in to the console.
    let email: String
    let password: String
    let household: String
    /// The device whose page is measured: several certificates and a long audit trail.
    let device: String
    let devices: Int
    let auditEntries: Int

    func save(in folder: DataFolder) throws {
        let path = folder.path + "/" + Self.fileName
        try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    static func load(from folder: DataFolder) throws -> ConsoleSeed? {
        let path = folder.path + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONDecoder().decode(ConsoleSeed.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Fills a new hub's first household the way a busy home would look after a year: devices over
/// the household's zones in every state, each live one with the certificates its pairing, key
/// rotation and renewals would have left (real CSRs, issued and superseded through the hub's PKI),
/// people, apps, a pairing window, and an audit log of `auditEntries` entries in the household,
/// appended in batches through the store's audit records so that the Merkle tree is real.
struct ConsoleSeeder {
    let store: Store
    let sealer: KeySealer
    let logger: Logger
    let deviceCount: Int
    let auditEntries: Int

    /// Zones added to the five every household starts with (a zone row, then its CA through the
    /// hub's own `ensureHierarchy`, as for any zone created after the hierarchy was made).
    static let extraZones = ["kitchen", "garden", "garage"]

    /// What each zone's devices are called; the search measured is `q=sensor`.
    static let kinds: [String: [String]] = [
        "default": ["plug", "speaker", "TV", "blind", "smoke detector"],
        "security": ["door lock", "camera", "motion sensor", "window sensor", "siren"],
        "climate": ["thermostat", "temperature sensor", "humidity sensor", "radiator valve", "air purifier"],
        "lighting": ["ceiling light", "lamp", "dimmer", "light strip", "wall switch"],
        "kitchen": ["fridge", "oven", "dishwasher", "kettle", "coffee maker"],
        "garden": ["sprinkler", "soil sensor", "gate", "lawn mower", "weather station"],
        "garage": ["garage door", "car charger", "leak sensor", "freezer", "workbench light"],
    ]
    static let rooms = [
        "Kitchen", "Living room", "Hall", "Bedroom", "Bathroom", "Garage", "Garden", "Office", "Attic", "Basement",
        "Porch", "Nursery",
    ]

    /// One planned device: where it lives, what it is called, the state it ends in.
    struct Plan: Sendable {
        let zone: Zone
        let name: String
        let state: DeviceState
        /// Lifetime of its newest certificate.
        let lifetime: Duration
        /// Renewals after the pairing certificate (the first is the immediate key rotation).
        let renewals: Int
    }

    func seed() async throws -> ConsoleSeed {
        let started = ContinuousClock.now
        let initial = try await PasswordHasher.withHasher(parameters: BenchHub.hashing, threads: 1) { hasher in
            try await HubBootstrap.initialize(
                store: store, sealer: sealer, hasher: hasher, householdName: "Home", ownerEmail: "owner@home.arpa",
                hostnames: [], publicURL: BenchHub.publicURL)
        }
        let household = initial.householdID
        let owner = AuditActor.person(initial.personID)
        try await store.write { db in
            for zone in Self.extraZones {
                try await db.db.execute(
                    "INSERT INTO zones (household_id, name, created_at) VALUES (?, ?, ?)", household.rawValue, zone,
                    db.clock.now.unixMilliseconds)
            }
        }
        let admin = try await HubAdministration.open(store: store, sealer: sealer)
        try await admin.pki.ensureHierarchy(actor: .system("init"))
        let zones = try await store.read { db in try await db.households.zones(of: household) }
        progress("hub initialized: household \(household), \(zones.count) zones", since: started)

        let plans = Self.plan(deviceCount, zones: zones)
        let csrCount = plans.reduce(0) { $0 + 1 + $1.renewals }
        let csrs = try await PKIBench.makeCSRs(csrCount)
        progress("made \(csrs.count) CSRs (a new P-256 key each)", since: started)

        // Every certificate through the PKI's group commit, as `hearth serve` runs it.
        let history = try await withServicesBeside([admin.pki.issuance], logger: logger) {
            try await issue(plans, csrs: csrs, household: household, pki: admin.pki, started: started)
        }
        // What rotation and renewal leave behind: the replaced certificates, superseded.
        let replaced = history.flatMap { $0.dropLast() }
        for chunk in stride(from: 0, to: replaced.count, by: 250) {
            try await admin.pki.supersede(Array(replaced[chunk..<min(chunk + 250, replaced.count)]), actor: .system("hub"))
        }
        progress("issued \(history.reduce(0) { $0 + $1.count }) certificates, superseded \(replaced.count)", since: started)

        let ids = history.map { DeviceID($0[0].deviceID!)! }
        for (index, plan) in plans.enumerated() {
            switch plan.state {
            case .quarantined:
                _ = try await admin.lifecycle.quarantine(ids[index], household: household, reason: "unexpected traffic", actor: owner)
            case .decommissioned:
                _ = try await admin.lifecycle.decommission(ids[index], household: household, actor: owner)
            default:
                break
            }
        }
        try await markSeen(ids, plans: plans)
        progress("devices in their states, last seen set", since: started)

        let people = try await addPeople(household: household, owner: owner)
        try await addApps(household: household, owner: owner, people: people, devices: Array(ids.prefix(2)))
        _ = try await admin.pairing.openWindow(household: household, minutes: 60, actor: owner)
        for number in 1...4 {
            _ = try await admin.pairing.expect(
                secret: SetupSecret.generate(), household: household, zone: .lighting, name: "New lamp \(number)",
                minutes: 24 * 60, actor: owner)
        }
        progress("people, invitations, apps, pairing window and expected devices added", since: started)

        // The measured device page: the planned device with the most certificates.
        let target = ids[plans.indices.max { plans[$0].renewals < plans[$1].renewals }!]
        let filled = try await fillAudit(household: household, devices: ids, target: target, people: people, started: started)
        progress("audit log: \(filled) entries in the household", since: started)
        return ConsoleSeed(
            email: initial.email.rawValue, password: initial.oneTimePassword, household: household.rawValue,
            device: target.rawValue, devices: ids.count, auditEntries: filled)
    }

    private func progress(_ text: String, since started: ContinuousClock.Instant) {
        Output.print(String(format: "[seed %6.1f s] ", (ContinuousClock.now - started).milliseconds / 1000) + text)
    }

    // MARK: devices and certificates

    /// 3 % pending (zero-touch, waiting in quarantine to be claimed), 5 % quarantined, 4 %
    /// decommissioned, the rest active, spread over the zones; the newest certificate of about
    /// 15 % of the paired devices ends within a week; every tenth device has renewed once or twice
    /// more after its key rotation, and one device five times.
    static func plan(_ count: Int, zones: [Zone]) -> [Plan] {
        var random = SplitMix64(seed: 20)
        let placed = zones.filter { $0 != .quarantine }
        var numbers: [String: Int] = [:]
        return (0..<count).map { index in
            let state: DeviceState = switch index % 100 {
            case 0..<3: .pending
            case 3..<8: .quarantined
            case 8..<12: .decommissioned
            default: .active
            }
            if state == .pending {
                let name = "Unclaimed device \(String(format: "%04X", random.next() & 0xFFFF))"
                return Plan(zone: .quarantine, name: name, state: .pending, lifetime: .seconds(30 * 86_400), renewals: 0)
            }
            let zone = placed[Int(random.next() % UInt64(placed.count))]
            let kinds = Self.kinds[zone.name] ?? ["device"]
            let base = "\(rooms[Int(random.next() % UInt64(rooms.count))]) \(kinds[Int(random.next() % UInt64(kinds.count))])"
            numbers[base, default: 0] += 1
            let days: Int64 = switch random.next() % 20 {
            case 0: 1
            case 1, 2: 5
            default: 30
            }
            let renewals = index == 13 ? 5 : index % 10 == 4 ? 1 + Int(random.next() % 2) + 1 : 1
            return Plan(
                zone: zone, name: "\(base) \(numbers[base]!)", state: state, lifetime: .seconds(days * 86_400), renewals: renewals)
        }
    }

    /// Issues each planned device's pairing certificate, then its renewals; returns every
    /// device's certificates, oldest first.
    private func issue(
        _ plans: [Plan], csrs: [[UInt8]], household: HouseholdID, pki: HubPKI, started: ContinuousClock.Instant
    ) async throws -> [[CertificateRecord]] {
        var starts: [Int] = []
        var next = 0
        for plan in plans {
            starts.append(next)
            next += 1 + plan.renewals
        }
        let offsets = starts
        let turn = Mutex(0)
        let issued = Mutex<[Int: [CertificateRecord]]>([:])
        let worker: @Sendable () async throws -> Void = {
            while true {
                let index = turn.withLock { value in
                    defer { value += 1 }
                    return value
                }
                guard index < plans.count else { return }
                let plan = plans[index]
                var certificates: [CertificateRecord] = []
                let pairing = try await pki.issue(
                    try CertificateOrder(
                        request: try CertificateRequest(der: csrs[offsets[index]]), profile: .device, household: household,
                        subject: .newDevice(name: plan.name, pending: plan.state == .pending), zone: plan.zone,
                        lifetime: plan.renewals == 0 ? plan.lifetime : .seconds(24 * 3600), origin: .pairing),
                    actor: .system("pairing"))
                certificates.append(pairing.record)
                let device = DeviceID(pairing.record.deviceID!)!
                for renewal in 0..<plan.renewals {
                    let renewed = try await pki.issue(
                        try CertificateOrder(
                            request: try CertificateRequest(der: csrs[offsets[index] + 1 + renewal]), profile: .device,
                            household: household, subject: .device(device),
                            lifetime: renewal == plan.renewals - 1 ? plan.lifetime : .seconds(24 * 3600),
                            renewedFrom: certificates.last!.serial),
                        actor: .device(device))
                    certificates.append(renewed.record)
                }
                issued.withLock { $0[index] = certificates }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 { group.addTask(operation: worker) }
            try await group.waitForAll()
        }
        return issued.withLock { all in plans.indices.map { all[$0]! } }
    }

    /// Live devices were seen in the last hour, but about one in twelve not for days; pending
    /// ones never; decommissioned ones weeks ago.
    private func markSeen(_ ids: [DeviceID], plans: [Plan]) async throws {
        var random = SplitMix64(seed: 7)
        var seen: [(DeviceID, UInt64)] = []
        for (id, plan) in zip(ids, plans) where plan.state != .pending {
            let secondsAgo: UInt64 = switch plan.state {
            case .decommissioned: 3 * 86_400 + random.next() % (27 * 86_400)
            default: random.next() % 12 == 0 ? 36 * 3600 + random.next() % (9 * 86_400) : random.next() % 3000
            }
            seen.append((id, secondsAgo))
        }
        let times = seen
        try await store.write { db in
            let now = db.clock.now
            for (id, secondsAgo) in times {
                guard let device = try await db.devices.find(id) else { continue }
                try await db.devices.markSeen(device, at: now.addingTimeInterval(-Double(secondsAgo)), granularity: .zero)
            }
        }
    }

    // MARK: people, apps

    private func addPeople(household: HouseholdID, owner: AuditActor) async throws -> [PersonID] {
        let hash = try await PasswordHasher.withHasher(parameters: BenchHub.hashing, threads: 1) {
            try await $0.hash(GeneratedPassword.make())
        }
        let now = store.clock.now
        let guestAccess = DeviceAccess(
            zones: [.lighting, .climate], devices: [], startsAt: nil, endsAt: now.addingTimeInterval(30 * 86_400), hours: nil)
        let people: [(String, Role, DeviceAccess)] = [
            ("partner@home.arpa", .owner, .everything), ("teen@home.arpa", .member, .everything),
            ("gran@home.arpa", .member, .everything), ("sitter@home.arpa", .guest, guestAccess),
        ]
        let ids = try await store.write { db in
            var ids: [PersonID] = []
            for (email, role, access) in people {
                let person = Person(email: try EmailAddress(email), mustChangePassword: false, createdAt: now)
                try await db.people.insert(person, passwordHash: hash)
                try await db.memberships.insert(
                    Membership(personID: person.id, householdID: household, role: role, access: access, createdAt: now))
                ids.append(person.id)
            }
            return ids
        }
        let service = PeopleService(store: store)
        _ = try await service.invite(.init(email: "neighbour@home.arpa", role: .guest, access: guestAccess), household: household, actor: owner)
        _ = try await service.invite(.init(email: nil, role: .member, access: .everything), household: household, actor: owner)
        return ids
    }

    private func addApps(household: HouseholdID, owner: AuditActor, people: [PersonID], devices: [DeviceID]) async throws {
        let admin = try await HubAdministration.open(store: store, sealer: sealer)
        var clients: [String] = []
        for name in ["Home dashboard", "Phone app", "Voice assistant"] {
            let client = try await admin.clients.register(
                .init(
                    name: name, authMethod: "none", redirectURIs: ["https://app.example/callback"], grantTypes: nil,
                    scope: "devices:read offline_access", jwks: nil, deviceID: nil),
                household: household, actor: owner)
            clients.append(client.id)
        }
        for (number, device) in devices.enumerated() {
            _ = try await admin.clients.register(
                .init(
                    name: "Gateway \(number + 1)", authMethod: "tls_client_auth", redirectURIs: nil, grantTypes: nil,
                    scope: "devices:read", jwks: nil, deviceID: device.rawValue),
                household: household, actor: owner)
        }
        let now = store.clock.now
        let registered = clients
        try await store.write { db in
            for client in registered {
                for person in people.prefix(3) {
                    try await db.oauthGrants.insert(OAuthGrantRecord(
                        id: Identifier<OAuthGrantRecord>().rawValue, householdID: household, clientID: client,
                        subject: "person:\(person.rawValue)", scope: "devices:read offline_access", authTime: now, acr: nil,
                        createdAt: now, expiresAt: now.addingTimeInterval(90 * 86_400), lastUsedAt: now))
                }
            }
        }
    }

    // MARK: the audit log

    /// Appends what a household's log fills with — MQTT denials, renewals and supersessions,
    /// tokens, sign-ins, device changes — until `auditEntries` entries name the household, in
    /// write transactions of 2,000. About one entry in 400 is about the measured device.
    private func fillAudit(
        household: HouseholdID, devices: [DeviceID], target: DeviceID, people: [PersonID], started: ContinuousClock.Instant
    ) async throws -> Int {
        var random = SplitMix64(seed: 3)
        let count: @Sendable () async throws -> Int = { [store] in
            try await store.read { db in
                Int(try await db.db.first(
                    "SELECT COUNT(*) AS n FROM audit_entries WHERE household_id = ?", household.rawValue)?.integer("n") ?? 0)
            }
        }
        var total = try await count()
        var lastReport = total
        func hex(_ bytes: Int) -> String {
            (0..<bytes).map { _ in String(format: "%02x", random.next() & 0xFF) }.joined()
        }
        while total < auditEntries {
            var events: [AuditEvent] = []
            for _ in 0..<min(2_000, auditEntries - total) {
                let device = random.next() % 400 == 0 ? target : devices[Int(random.next() % UInt64(devices.count))]
                let person = people[Int(random.next() % UInt64(people.count))]
                let roll = random.next() % 100
                let event: AuditEvent = switch roll {
                case 0..<35:
                    AuditEvent(
                        .mqttDenied, actor: .device(device), subject: "device:\(device)", household: household,
                        reason: "publish denied by policy",
                        details: ["denied": String(1 + random.next() % 9), "topic": "devices/\(hex(8))/cmd/set"])
                case 35..<55:
                    AuditEvent(
                        .certificateIssued, actor: .device(device), subject: "certificate:\(hex(16))", household: household,
                        reason: "renewal of \(hex(16))",
                        details: ["profile": "device", "zone": "lighting", "uri": "device:\(device)", "key_algorithm": "P-256"])
                case 55..<65:
                    AuditEvent(
                        .certificateRevoked, actor: .system("hub"), subject: "certificate:\(hex(16))", household: household,
                        reason: "superseded", details: ["device": device.rawValue])
                case 65..<80:
                    AuditEvent(
                        .oauthTokenIssued, actor: AuditActor(.client, hex(8)), subject: "person:\(person)", household: household,
                        reason: "refresh_token", details: ["scope": "devices:read offline_access"])
                case 80..<88:
                    AuditEvent(
                        .loginSucceeded, actor: .person(person), subject: "session:\(hex(16))", household: household,
                        reason: "password", details: ["source": "192.168.1.\(random.next() % 200 + 10)"])
                case 88..<93:
                    AuditEvent(
                        .sessionEnded, actor: .person(person), subject: "session:\(hex(16))", household: household,
                        reason: "signed out")
                case 93..<96:
                    AuditEvent(
                        .renewalRefused, actor: .device(device), subject: "device:\(device)", household: household,
                        reason: "not yet due")
                case 96..<98:
                    AuditEvent(
                        .deviceQuarantined, actor: .person(person), subject: "device:\(device)", household: household,
                        reason: "quarantined from the console")
                default:
                    AuditEvent(
                        .deviceReleased, actor: .person(person), subject: "device:\(device)", household: household,
                        reason: "released")
                }
                events.append(event)
            }
            let batch = events
            try await store.write { db in _ = try await db.audit.append(batch) }
            total += batch.count
            if total - lastReport >= 20_000, total < auditEntries {
                progress("audit log: \(total) entries in the household", since: started)
                lastReport = total
            }
        }
        return try await count()
    }
}
