import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// What a household looks like at a glance, for the console: the overview, the device list with
/// search, filters, sorting and pages, one device with its history, and the audit log. Every view
/// is what the policy lets the member see — a member or guest sees only the devices their access
/// reaches, and only owners see pairing requests and the audit log.
public struct HouseholdDashboard: Sendable {
    package let store: Store
    package let lifecycle: DeviceLifecycle
    /// How the audit log names the household's clients connected to the broker now.
    package let connected: @Sendable (HouseholdID) -> Set<String>
    private let inventory = InventoryCache()

    /// What the overview counts as expiring and as silent.
    public static let expiryHorizon: TimeInterval = 7 * 24 * 3600
    public static let silenceHorizon: TimeInterval = 24 * 3600
    static let overviewListLength = 10

    package init(store: Store, lifecycle: DeviceLifecycle, connected: @escaping @Sendable (HouseholdID) -> Set<String>) {
        self.store = store
        self.lifecycle = lifecycle
        self.connected = connected
    }

    /// The household's devices with their newest certificates that the policy lets `member`
    /// see: ``DeviceLifecycle/list(visibleTo:)``, from the ``InventoryCache`` while nothing changed.
    private func statuses(visibleTo member: Member) async throws -> [DeviceLifecycle.Status] {
        let entry = try await inventory.inventory(member.householdID, store: store)
        let now = store.clock.now
        return DeviceLifecycle.visible(
            entry.devices.map { DeviceLifecycle.Status($0, newest: entry.newest[$0.id.rawValue], now: now) }, to: member, at: now)
    }

    // MARK: the overview

    public struct ZoneCounts: Sendable {
        public let zone: String
        /// Devices in each state, in ``DeviceState`` order.
        public let byState: [(state: DeviceState, count: Int)]
        public var total: Int { byState.reduce(0) { $0 + $1.count } }
    }

    public struct Overview: Sendable {
        public let zones: [ZoneCounts]
        public let totals: [(state: DeviceState, count: Int)]
        /// Devices whose newest certificate is valid and ends within ``expiryHorizon``, soonest first.
        public let expiring: [DeviceLifecycle.Status]
        public let expiringCount: Int
        /// Live devices not seen for ``silenceHorizon`` (never-seen ones counted from pairing).
        public let silent: [DeviceLifecycle.Status]
        public let silentCount: Int
        /// Owners only (nil for others): pairing requests waiting and the pairing window.
        public let pairing: Pairing?
        /// Owners only (nil for others): the newest audit entries of the household.
        public let recentAudit: [AuditEntry]?
        public let connectedCount: Int
    }

    public struct Pairing: Sendable {
        public let windowClosesAt: Date?
        public let requests: [PairingRequestRecord]
    }

    public func overview(for member: Member) async throws -> Overview {
        let statuses = try await statuses(visibleTo: member)
        let isOwner = Self.isOwner(member, at: store.clock.now)
        let (pairing, recent) = try await store.read { db -> (Pairing?, [AuditEntry]?) in
            guard isOwner else { return (nil, nil) }
            return (try await Self.pairing(member.householdID, in: db),
                    try await db.audit.entries(AuditQuery(householdID: member.householdID.rawValue, limit: Self.overviewListLength)))
        }
        let now = store.clock.now
        var counts: [String: [DeviceState: Int]] = [:]
        for status in statuses { counts[status.device.zone.name, default: [:]][status.device.state, default: 0] += 1 }
        let zones = counts.keys.sorted().map { zone in
            ZoneCounts(zone: zone, byState: DeviceState.allCases.map { ($0, counts[zone]?[$0] ?? 0) })
        }
        let expiring = statuses.filter { status in
            guard status.certificateStatus == "valid", let certificate = status.certificate else { return false }
            return certificate.notAfter.timeIntervalSince(now) < Self.expiryHorizon
        }.sorted { $0.certificate!.notAfter < $1.certificate!.notAfter }
        let silent = statuses.filter { status in
            guard status.device.state == .active || status.device.state == .quarantined else { return false }
            let seen = status.device.lastSeenAt ?? status.device.createdAt
            return now.timeIntervalSince(seen) > Self.silenceHorizon
        }.sorted { ($0.device.lastSeenAt ?? $0.device.createdAt) < ($1.device.lastSeenAt ?? $1.device.createdAt) }
        let online = connected(member.householdID)
        return Overview(
            zones: zones,
            totals: DeviceState.allCases.map { state in (state, statuses.count { $0.device.state == state }) },
            expiring: Array(expiring.prefix(Self.overviewListLength)), expiringCount: expiring.count,
            silent: Array(silent.prefix(Self.overviewListLength)), silentCount: silent.count,
            pairing: pairing, recentAudit: recent,
            connectedCount: statuses.count { online.contains(Self.subject($0.device.id)) })
    }

    /// The household's pairing window and the requests waiting for an owner's decision: those no
    /// household has taken yet (a code-mode request names none until approved) and its own.
    public func pairing(for owner: Member) async throws -> Pairing {
        try await store.read { db in try await Self.pairing(owner.householdID, in: db) }
    }

    private static func pairing(_ household: HouseholdID, in db: StoreSession) async throws -> Pairing {
        let now = db.clock.now
        return Pairing(
            windowClosesAt: try await db.pairing.windowCloses(household: household, at: now),
            requests: try await db.pairing.pendingRequests(at: now).filter {
                $0.householdID == nil || $0.householdID == household.rawValue
            })
    }

    // MARK: devices

    public enum DeviceSort: String, Sendable, CaseIterable {
        case name, zone, state, certificate, expires, lastSeen = "last-seen"
    }

    public struct DeviceQuery: Sendable {
        /// Matched, case-insensitively, against the name, id and zone.
        public var text: String?
        public var state: DeviceState?
        public var zone: String?
        /// `valid`, `expired`, `revoked` or `none`.
        public var certificate: String?
        public var sort: DeviceSort
        public var descending: Bool
        /// From 1.
        public var page: Int
        public var pageSize: Int

        public init(
            text: String? = nil, state: DeviceState? = nil, zone: String? = nil, certificate: String? = nil,
            sort: DeviceSort = .name, descending: Bool = false, page: Int = 1, pageSize: Int = 50
        ) {
            self.text = text
            self.state = state
            self.zone = zone
            self.certificate = certificate
            self.sort = sort
            self.descending = descending
            self.page = max(1, page)
            self.pageSize = min(max(1, pageSize), 200)
        }
    }

    public struct ListedDevice: Sendable {
        public let status: DeviceLifecycle.Status
        public let isConnected: Bool
    }

    public struct DevicePage: Sendable {
        public let devices: [ListedDevice]
        /// How many devices match, over every page.
        public let matching: Int
        public let page: Int
        public let pageCount: Int
        /// The zones of the devices the member sees (for the zone filter).
        public let zones: [String]
    }

    public static let certificateStatuses = ["valid", "expired", "revoked", "none"]

    public func devices(_ query: DeviceQuery, for member: Member) async throws -> DevicePage {
        let statuses = try await statuses(visibleTo: member)
        let needle = query.text.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        let matching = statuses.filter { status in
            let device = status.device
            if let state = query.state, device.state != state { return false }
            if let zone = query.zone, device.zone.name != zone { return false }
            if let certificate = query.certificate, status.certificateStatus != certificate { return false }
            if let needle {
                return Self.contains(device.name.lowercased(), needle) || Self.contains(device.id.rawValue, needle)
                    || Self.contains(device.zone.name, needle)
            }
            return true
        }
        // Each device's key is made once, not in every comparison; the indexes are sorted, not
        // the statuses (large values, copied at every move).
        let keys = matching.map { SortKey($0, by: query.sort) }
        var order = keys.indices.sorted { keys[$0] < keys[$1] }
        if query.descending { order.reverse() }
        let pageCount = max(1, (order.count + query.pageSize - 1) / query.pageSize)
        let page = min(query.page, pageCount)
        let online = connected(member.householdID)
        let shown = order.dropFirst((page - 1) * query.pageSize).prefix(query.pageSize).map { index in
            ListedDevice(status: matching[index], isConnected: online.contains(Self.subject(matching[index].device.id)))
        }
        return DevicePage(
            devices: shown, matching: order.count, page: page, pageCount: pageCount,
            zones: Set(statuses.map(\.device.zone.name)).sorted())
    }

    /// Whether `text` contains `needle`: compared as bytes when both are ASCII (ids, zones and
    /// most names), else as Foundation compares strings. Foundation's search, three per device,
    /// took 7 % of a search page's CPU time.
    private static func contains(_ text: String, _ needle: String) -> Bool {
        var (bytes, pattern) = (text, needle)
        let ascii = bytes.withUTF8 { bytes in pattern.withUTF8 { pattern in asciiContains(bytes, pattern) } }
        return ascii ?? text.contains(needle)
    }

    /// nil unless both are ASCII.
    private static func asciiContains(_ text: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard text.allSatisfy({ $0 < 0x80 }), needle.allSatisfy({ $0 < 0x80 }) else { return nil }
        guard needle.count <= text.count else { return false }
        return (0...(text.count - needle.count)).contains { start in
            needle.indices.allSatisfy { text[start + $0] == needle[$0] }
        }
    }

    /// A strict order for a sort: the sorted field (text, or a time in milliseconds), ties broken
    /// by name (ignoring case) and then id, so pages never overlap. Descending is the reverse.
    private struct SortKey: Comparable {
        let text: String
        let time: Int64
        let name: String
        let id: String

        init(_ status: DeviceLifecycle.Status, by sort: DeviceSort) {
            switch sort {
            case .name: (text, time) = ("", 0)
            case .zone: (text, time) = (status.device.zone.name, 0)
            case .state: (text, time) = (status.device.state.rawValue, 0)
            case .certificate: (text, time) = (status.certificateStatus, 0)
            // No certificate sorts after every expiry; never seen before every sighting.
            case .expires: (text, time) = ("", status.certificate?.notAfter.unixMilliseconds ?? .max)
            case .lastSeen: (text, time) = ("", status.device.lastSeenAt?.unixMilliseconds ?? .min)
            }
            name = status.device.name.lowercased()
            id = status.device.id.rawValue
        }

        static func < (a: SortKey, b: SortKey) -> Bool {
            if a.text != b.text { return a.text < b.text }
            if a.time != b.time { return a.time < b.time }
            if a.name != b.name { return a.name < b.name }
            return a.id < b.id
        }
    }

    public struct DeviceDetail: Sendable {
        public let status: DeviceLifecycle.Status
        /// Every certificate the device had, newest first.
        public let certificates: [CertificateRecord]
        public let isConnected: Bool
        /// Owners only (nil for others): the newest audit entries about the device.
        public let trail: [AuditEntry]?
    }

    public static let trailLength = 50

    /// One device the member may view; "not found" for another household's or a hidden one.
    public func device(_ id: DeviceID, for member: Member) async throws -> DeviceDetail {
        let notFound = HearthError(.notFound, code: "not-found", "no such device in your household")
        let now = store.clock.now
        // Another household's device is "not found" in `show`; one the member may not see, here.
        let (status, certificates) = try await lifecycle.show(id, household: member.householdID)
        guard PolicyEngine.decide(
            .person(member.membership), .viewDevice, .device(DeviceFacts(status.device)), PolicyContext(now: now)
        ).allowed else { throw notFound }
        // What happened to the device (its state, zone, revocations) and what it did itself
        // (pairing, renewals): entries with it as the subject or as the actor, newest first.
        let trail = Self.isOwner(member, at: now)
            ? try await store.read { db in
                let household = member.householdID.rawValue
                let about = try await db.audit.entries(AuditQuery(householdID: household, subject: Self.subject(id), limit: Self.trailLength))
                let by = try await db.audit.entries(AuditQuery(householdID: household, actor: Self.subject(id), limit: Self.trailLength))
                return Array(Set(about + by).sorted { $0.index > $1.index }.prefix(Self.trailLength))
            }
            : nil
        return DeviceDetail(
            status: status, certificates: certificates, isConnected: connected(member.householdID).contains(Self.subject(id)),
            trail: trail)
    }

    // MARK: the audit log

    public struct AuditPage: Sendable {
        public let entries: [AuditEntry]
        /// The cursor of the next (older) page, if there is one.
        public let nextCursor: Int64?
    }

    /// A page of the household's log, newest first; owners only. `query.householdID` is set here.
    public func audit(_ query: AuditQuery, for owner: Member) async throws -> AuditPage {
        try SessionAuthenticator.check(owner, .administerHousehold, at: store.clock.now)
        var scoped = query
        scoped.householdID = owner.householdID.rawValue
        let limit = query.limit
        // One more than the page, to know whether another follows.
        scoped.limit = limit + 1
        let search = scoped
        let found = try await store.read { db in try await db.audit.entries(search) }
        let page = Array(found.prefix(limit))
        return AuditPage(entries: page, nextCursor: found.count > limit ? page.last?.index : nil)
    }

    public struct InclusionProof: Sendable {
        public let index: Int64
        public let size: Int64
        public let auditPath: [[UInt8]]
        /// The signed checkpoint of `size` entries the path leads to.
        public let checkpointNote: String
    }

    /// The proof that one of the household's entries is in the log, against the newest signed
    /// checkpoint — signed now if none covers the entry yet. Owners only; another household's
    /// entry is "not found", like an absent one.
    public func inclusionProof(index: Int64, for owner: Member, checkpointer: AuditCheckpointer) async throws -> InclusionProof {
        try SessionAuthenticator.check(owner, .administerHousehold, at: store.clock.now)
        let (entry, newest) = try await store.read { db in (try await db.audit.entry(at: index), try await db.audit.latestCheckpoint()) }
        guard let entry, entry.householdID == owner.householdID.rawValue else {
            throw HearthError(.notFound, "no entry \(index) in your household's log")
        }
        var checkpoint = newest
        if checkpoint.map({ $0.size <= entry.index }) ?? true { checkpoint = try await checkpointer.checkpoint() }
        guard let checkpoint, checkpoint.size > entry.index else {
            throw HearthError(.conflict, "no checkpoint covers entry \(index) yet; try again in a moment")
        }
        let path = try await store.read { db in try await db.audit.inclusionProof(index: entry.index, size: checkpoint.size) }
        return InclusionProof(index: entry.index, size: checkpoint.size, auditPath: path, checkpointNote: checkpoint.note)
    }

    // MARK: live state

    /// What the console's live updates compare from one moment to the next: the state and
    /// connection of every device the member sees, and (owners) the pending pairing requests.
    public struct LiveState: Sendable, Equatable {
        public var devices: [String: String]
        public var connected: Set<String>
        public var pairingRequests: [String]
        public var windowClosesAt: Date?
        /// Owners only: the household's latest alerts, each as its id, last change and state.
        public var alerts: [String]
        /// Owners only: each device's firmware and posture rules (`device firmware` lines), and the
        /// rollouts' last changes.
        public var firmware: [String]
    }

    public func liveState(for member: Member) async throws -> LiveState {
        let statuses = try await statuses(visibleTo: member)
        let online = connected(member.householdID)
        let isOwner = Self.isOwner(member, at: store.clock.now)
        let pairing = isOwner ? try await pairing(for: member) : nil
        return LiveState(
            devices: Dictionary(uniqueKeysWithValues: statuses.map {
                ($0.device.id.rawValue, "\($0.device.state.rawValue) \($0.certificateStatus)")
            }),
            connected: Set(statuses.map(\.device.id).filter { online.contains(Self.subject($0)) }.map(\.rawValue)),
            pairingRequests: pairing?.requests.map { "\($0.id) \($0.deviceNonce == nil ? "waiting" : "confirmed")" } ?? [],
            windowClosesAt: pairing?.windowClosesAt,
            alerts: !isOwner ? [] : try await store.read { db in
                try await db.alerts.list(household: member.householdID, openOnly: false, limit: 50)
            }.map { "\($0.id) \($0.updatedAt.timeIntervalSince1970) \($0.acknowledgedAt == nil ? "open" : "acknowledged")" },
            firmware: !isOwner ? [] : try await store.read { db in
                let reports = try await db.posture.reports(household: member.householdID)
                let rules = try await db.posture.rules(household: member.householdID)
                let campaigns = try await db.campaigns.all()
                return reports.map { "\($0.key) \($0.value.version) \($0.value.securityVersion) \($0.value.reportedAt.timeIntervalSince1970)" }.sorted()
                    + rules.map { "rule \($0.scopeKind) \($0.scopeValue) \($0.minimumSecurityVersion) \($0.restriction)" }
                    + campaigns.map { "campaign \($0.id) \($0.updatedAt.timeIntervalSince1970)" }
            })
    }

    // MARK: helpers

    static func subject(_ id: DeviceID) -> String { "device:\(id.rawValue)" }

    /// Whether the policy lets `member` administer the household (see owner-only views).
    public static func isOwner(_ member: Member, at now: Date) -> Bool {
        (try? SessionAuthenticator.check(member, .administerHousehold, at: now)) != nil
    }
}
