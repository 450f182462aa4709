import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// What a hub operator does (`/v1/households`, `hearth households`): create, list, suspend,
/// resume and delete households. The operator sees households as a whole — names, states and
/// counts — never their devices, people or audit details. What the operator does is recorded in
/// the hub's part of the log (no household), naming the operator; inside a household the
/// operator is only "the hub operator", so no household learns who operates the hub or where
/// else that person belongs.
public struct HouseholdAdministration: Sendable {
    public let pki: HubPKI

    public init(pki: HubPKI) { self.pki = pki }

    private var store: Store { pki.store }

    /// A household as the operator sees it.
    public struct Summary: Sendable {
        public let household: Household
        public let people: Int
        public let devices: Int
    }

    /// A new household, with its zone CAs, and the invitation its first owner accepts.
    public struct Created: Sendable {
        public let household: Household
        public let invitation: Invitation
        /// Shown once; only its digest is stored.
        public let invitationCode: String
    }

    /// How the operator appears inside a household.
    static let inHousehold = AuditActor.system("hub-operator")

    public func create(name: String, ownerEmail: String?, actor: AuditActor) async throws -> Created {
        let email = try ownerEmail.map(EmailAddress.init)
        try await pki.refresh()
        let pki = self.pki
        let created = try await store.write { db in
            let now = db.clock.now
            let household = try Household(name: name, createdAt: now)
            try await db.households.insert(household)
            try await db.audit.append(AuditEvent(
                .householdCreated, actor: actor, subject: "household:\(household.id)", household: nil,
                reason: "created by a hub operator", details: ["name": household.name]))
            try await pki.ensureHierarchy(actor: Self.inHousehold, in: db)
            let invitation = try Invitation(
                householdID: household.id, email: email, role: .owner, access: .everything,
                invitedBy: Self.inHousehold.description, createdAt: now,
                expiresAt: now.addingTimeInterval(Invitation.longestLifetime))
            let code = try await InvitationIssuing.record(invitation, actor: Self.inHousehold, in: db)
            return Created(household: household, invitation: invitation, invitationCode: code)
        }
        try await pki.refresh()
        return created
    }

    public func list() async throws -> [Summary] {
        try await store.read { db in
            var summaries: [Summary] = []
            for household in try await db.households.all() {
                summaries.append(Summary(
                    household: household, people: try await db.memberships.count(of: household.id),
                    devices: try await db.devices.liveCount(in: household.id)))
            }
            return summaries
        }
    }

    /// The hub as its operator sees it: counts across households, never what is in one.
    public struct Health: Sendable, Encodable {
        public let database: String
        public let schemaVersion: Int
        public let households: [String: Int]
        public let people: Int
        public let devices: Int
        public let liveSessions: Int
        public let auditEntries: Int64
        public let lastCheckpoint: Int64?

        enum CodingKeys: String, CodingKey {
            case database, households, people, devices
            case schemaVersion = "schema_version"
            case liveSessions = "live_sessions"
            case auditEntries = "audit_entries"
            case lastCheckpoint = "last_checkpoint"
        }
    }

    public func health() async throws -> Health {
        let version = try await store.schemaVersion()
        return try await store.read { db in
            Health(
                database: db.db.dialect.name, schemaVersion: version,
                households: Dictionary(uniqueKeysWithValues: try await db.households.countsByState().map { ($0.key.rawValue, $0.value) }),
                people: try await db.people.count(), devices: try await db.devices.liveCount(),
                liveSessions: try await db.sessions.count(), auditEntries: try await db.audit.size(),
                lastCheckpoint: try await db.audit.latestCheckpoint()?.size)
        }
    }

    /// Refuses the household's people, apps and devices at once: sessions end, its pairing window
    /// closes, and every process's broker cuts its MQTT sessions (the access-change revision moves). Tokens and
    /// certificates are kept, refused while suspended, usable again after ``resume(_:actor:)``.
    public func suspend(_ id: HouseholdID, reason: String, actor: AuditActor) async throws -> Household {
        try await store.write { db in
            let household = try await Self.find(id, in: db)
            guard household.state == .active else { throw HearthError(.conflict, "household \(id) is already suspended") }
            try await db.households.setState(id, .suspended, at: db.clock.now)
            let sessions = try await db.sessions.deleteAll(in: id)
            // No device joins a suspended household through a window left open.
            _ = try await db.pairing.closeWindow(household: id, at: db.clock.now)
            try await db.accessChanges.bump()
            try await db.audit.append(AuditEvent(
                .householdSuspended, actor: actor, subject: "household:\(id)", household: nil, reason: "suspended",
                details: ["why": reason, "sessions_ended": String(sessions)]))
            var suspended = household
            suspended.state = .suspended
            return suspended
        }
    }

    public func resume(_ id: HouseholdID, actor: AuditActor) async throws -> Household {
        try await store.write { db in
            let household = try await Self.find(id, in: db)
            guard household.state == .suspended else { throw HearthError(.conflict, "household \(id) is not suspended") }
            try await db.households.setState(id, .active, at: db.clock.now)
            try await db.audit.append(AuditEvent(
                .householdResumed, actor: actor, subject: "household:\(id)", household: nil, reason: "resumed"))
            var resumed = household
            resumed.state = .active
            return resumed
        }
    }

    /// What a deletion ended.
    public struct Deleted: Sendable {
        public let certificatesRevoked: Int
        public let tokensRevoked: Int
        public let peopleErased: Int
        public let auditEntriesRedacted: Int
    }

    /// Final: every certificate (and the zone CAs) and every token of the household is revoked,
    /// every session closed, its data erased and its audit details redacted (the entries and
    /// their proofs stay). People who belonged nowhere else lose their account.
    public func delete(_ id: HouseholdID, actor: AuditActor) async throws -> Deleted {
        try await pki.refresh()
        let pki = self.pki
        let deleted = try await store.write { db in
            let household = try await Self.find(id, in: db)
            if let stored = try await db.hub.key(named: HubCertificate.keyName),
               let issuer = HubCertificate.issuerID(ofChainPEM: stored.certificatePEM),
               pki.authorities.authority(issuer)?.record.householdID == household.id.rawValue {
                throw HearthError(
                    .conflict, code: "issues-hub-certificate",
                    "household \(id) issues the hub's own TLS certificate and cannot be deleted; suspend it instead")
            }
            let now = db.clock.now
            let certificates = try await pki.revokeHousehold(id, actor: actor, in: db)
            let tokens = try await db.oauthGrants.revokeAll(household: id, reason: "household deleted", at: now)
            let people = try await db.households.erase(id, at: now)
            var erased = 0
            for person in people where try await db.people.deleteIfUnattached(person) { erased += 1 }
            try await db.households.setState(id, .deleted, at: now)
            try await db.accessChanges.bump()
            let redacted = try await db.audit.redact(household: id)
            try await db.audit.append(AuditEvent(
                .householdDeleted, actor: actor, subject: "household:\(id)", household: nil, reason: "deleted",
                details: [
                    "certificates_revoked": String(certificates), "tokens_revoked": String(tokens),
                    "people_erased": String(erased), "audit_entries_redacted": String(redacted),
                ]))
            return Deleted(
                certificatesRevoked: certificates, tokensRevoked: tokens, peopleErased: erased, auditEntriesRedacted: redacted)
        }
        try await pki.refresh()
        return deleted
    }

    private static func find(_ id: HouseholdID, in db: StoreSession) async throws -> Household {
        guard let household = try await db.households.find(id), household.state != .deleted else {
            throw HearthError(.notFound, "no household \(id)")
        }
        return household
    }
}
