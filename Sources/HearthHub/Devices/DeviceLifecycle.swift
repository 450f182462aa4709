import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore

/// What owners (API) and admins (CLI) do to devices: list, show, move to another zone,
/// quarantine and release, revoke certificates, decommission. Each change is one transaction
/// with its audit entries; certificate revocations republish CRLs and reach every process's TLS
/// listeners at their next revocation poll.
public struct DeviceLifecycle: Sendable {
    public let pki: HubPKI

    public init(pki: HubPKI) { self.pki = pki }

    /// A device with its newest certificate.
    public struct Status: Sendable {
        public let device: Device
        public let certificate: CertificateRecord?
        /// `valid`, `expired`, `revoked` or `none`, for the newest certificate.
        public let certificateStatus: String
        /// When the newest certificate may be renewed (the last third of its lifetime).
        public let renewAfter: Date?

        package init(_ device: Device, newest: CertificateRecord?, now: Date) {
            self.device = device
            certificate = newest
            certificateStatus = switch newest {
            case nil: "none"
            case let record? where record.status == .revoked: "revoked"
            case let record? where record.notAfter <= now: "expired"
            default: "valid"
            }
            renewAfter = newest.map { record in
                record.origin == .pairing
                    ? record.notBefore
                    : CertificateValidity.renewalOpens(
                        issuedAt: CertificateValidity.issuedAt(notBefore: record.notBefore), notAfter: record.notAfter)
            }
        }
    }

    public func list(household: HouseholdID) async throws -> [Status] {
        try await pki.store.read { db in
            let devices = try await db.devices.all(in: household)
            let newest = try await db.pki.newestDeviceCertificates(household: household.rawValue)
            let now = db.clock.now
            return devices.map { Status($0, newest: newest[$0.id.rawValue], now: now) }
        }
    }

    /// The household's devices that the policy lets `member` view (a guest sees the devices
    /// granted to them, an owner every one).
    public func list(visibleTo member: Member) async throws -> [Status] {
        Self.visible(try await list(household: member.householdID), to: member, at: pki.store.clock.now)
    }

    /// The statuses whose devices the policy lets `member` view at `now`.
    package static func visible(_ statuses: [Status], to member: Member, at now: Date) -> [Status] {
        statuses.filter { status in
            PolicyEngine.decide(.person(member.membership), .viewDevice, .device(DeviceFacts(status.device)), PolicyContext(now: now))
                .allowed
        }
    }

    /// A device and every certificate it ever had, newest first.
    public func show(_ id: DeviceID, household: HouseholdID) async throws -> (Status, [CertificateRecord]) {
        try await pki.store.read { db in
            let device = try await Self.find(id, household: household, in: db)
            // Issue order, newest first (certificates issued in the same second share their dates).
            let certificates = try await db.pki.certificates(
                CertificateQuery(householdID: household.rawValue, deviceID: id.rawValue, limit: 1000)
            ).sorted { $0.issuedAuditSeq > $1.issuedAuditSeq }
            return (Status(device, newest: certificates.first, now: db.clock.now), certificates)
        }
    }

    public func move(_ id: DeviceID, to zone: Zone, household: HouseholdID, actor: AuditActor) async throws -> Device {
        try await pki.store.write { db in
            let before = try await Self.find(id, household: household, in: db)
            guard before.zone != zone else { throw HearthError(.conflict, "device \(id) is already in zone \(zone)") }
            let device = try await db.devices.move(id, to: zone, at: db.clock.now)
            try await db.audit.append(AuditEvent(
                .deviceMoved, actor: actor, subject: "device:\(id)", household: household,
                reason: "its next certificate comes from zone \(zone)", details: ["from": before.zone.name, "to": zone.name]))
            return device
        }
    }

    /// An owner claims a device that paired by attestation and waits in quarantine: it becomes
    /// active in `zone` under `name`; its next renewal issues from that zone's CA.
    public func claim(_ id: DeviceID, zone: Zone, name: String, household: HouseholdID, actor: AuditActor) async throws -> Device {
        try await pki.store.write { db in
            _ = try await Self.find(id, household: household, in: db)
            let device = try await db.devices.claim(id, zone: zone, name: name, at: db.clock.now)
            try await db.audit.append(AuditEvent(
                .deviceClaimed, actor: actor, subject: "device:\(id)", household: household,
                reason: "claimed by an owner", details: ["zone": zone.name, "name": device.name]))
            return device
        }
    }

    public func quarantine(_ id: DeviceID, household: HouseholdID, reason: String, actor: AuditActor) async throws -> Device {
        try await transition(id, to: .quarantined, household: household, action: .deviceQuarantined, reason: reason, actor: actor)
    }

    public func release(_ id: DeviceID, household: HouseholdID, actor: AuditActor) async throws -> Device {
        try await transition(id, to: .active, household: household, action: .deviceReleased, reason: "released", actor: actor)
    }

    /// Revokes every valid certificate of the device; it must pair again to get one.
    public func revokeCertificates(
        _ id: DeviceID, household: HouseholdID, reason: RevocationReason, actor: AuditActor
    ) async throws -> [CertificateRecord] {
        let pki = self.pki
        let revoked = try await pki.store.write { db in
            _ = try await Self.find(id, household: household, in: db)
            return try await pki.revokeInTransaction(
                try await Self.validCertificates(of: id, in: db), reason: reason, actor: actor, in: db)
        }
        try await pki.refresh()
        return revoked
    }

    /// Retires the identity for good: the device becomes `decommissioned` (terminal; its id is
    /// never issued again) and every valid certificate is revoked (cessation of operation).
    public func decommission(
        _ id: DeviceID, household: HouseholdID, actor: AuditActor
    ) async throws -> (Device, [CertificateRecord]) {
        let pki = self.pki
        let result = try await pki.store.write { db in
            _ = try await Self.find(id, household: household, in: db)
            let device = try await db.devices.transition(id, to: .decommissioned, at: db.clock.now)
            let revoked = try await pki.revokeInTransaction(
                try await Self.validCertificates(of: id, in: db), reason: .cessationOfOperation, actor: actor, in: db)
            let tokens = try await db.oauthGrants.revokeAll(device: id, reason: "device decommissioned", at: db.clock.now)
            try await db.audit.append(AuditEvent(
                .deviceDecommissioned, actor: actor, subject: "device:\(id)", household: household,
                reason: "identity retired", details: ["certificates_revoked": "\(revoked.count)", "tokens_revoked": "\(tokens)"]))
            return (device, revoked)
        }
        try await pki.refresh()
        return result
    }

    /// Registers a device that has no certificate of its own and is reached through a gateway
    /// (which obtains tokens for it by token exchange); it is active in the gateway's zone.
    public func registerBehindGateway(
        _ gateway: DeviceID, name: String, household: HouseholdID, actor: AuditActor
    ) async throws -> Device {
        try await pki.store.write { db in
            let host = try await Self.find(gateway, household: household, in: db)
            guard host.state == .active else { throw HearthError(.conflict, "the gateway is not active") }
            guard try await db.pki.certificates(CertificateQuery(deviceID: gateway.rawValue, status: .valid, limit: 100))
                .contains(where: { $0.profile == "gateway" })
            else { throw HearthError(.conflict, "the device holds no valid gateway certificate") }
            let device = try Device(
                householdID: household, zone: host.zone, name: name, state: .active, createdAt: db.clock.now)
            try await db.devices.insert(device)
            try await db.devices.setGateway(device.id, gateway: gateway)
            try await db.audit.append(AuditEvent(
                .deviceAttached, actor: actor, subject: "device:\(device.id)", household: household,
                reason: "registered behind gateway \(gateway)", details: ["gateway": gateway.rawValue, "zone": host.zone.name]))
            return device
        }
    }

    private func transition(
        _ id: DeviceID, to state: DeviceState, household: HouseholdID, action: AuditAction, reason: String,
        actor: AuditActor
    ) async throws -> Device {
        try await pki.store.write { db in
            _ = try await Self.find(id, household: household, in: db)
            let device = try await db.devices.transition(id, to: state, at: db.clock.now)
            // A device that is no longer active keeps no access token.
            let tokens = state == .active ? 0 : try await db.oauthGrants.revokeAll(device: id, reason: reason, at: db.clock.now)
            try await db.audit.append(AuditEvent(
                action, actor: actor, subject: "device:\(id)", household: household, reason: reason,
                details: ["zone": device.zone.name, "tokens_revoked": "\(tokens)"]))
            return device
        }
    }

    /// The device, if it belongs to the household; another household's device is "not found",
    /// so its existence does not leak.
    package static func find(_ id: DeviceID, household: HouseholdID, in db: StoreSession) async throws -> Device {
        guard let device = try await db.devices.find(id), device.householdID == household else {
            throw HearthError(.notFound, "no device \(id) in this household")
        }
        return device
    }

    private static func validCertificates(of id: DeviceID, in db: StoreSession) async throws -> [CertificateRecord] {
        try await db.pki.certificates(CertificateQuery(deviceID: id.rawValue, status: .valid, limit: Int(Int32.max)))
    }
}
