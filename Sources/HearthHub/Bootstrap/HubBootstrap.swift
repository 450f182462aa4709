import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Logging

/// What `hearth init` reports once: the first owner's sign-in and where things are.
public struct InitialOwner: Sendable {
    public let householdID: HouseholdID
    public let householdName: String
    public let personID: PersonID
    public let email: EmailAddress
    /// Shown to the operator exactly once; only its scrypt hash is stored.
    public let oneTimePassword: String
    /// The owner's one-time account-recovery codes, shown once; only digests are stored.
    public let recoveryCodes: [String]
    public let trustDomain: String
}

/// Makes a new hub's first records: its identity, the first household with its zones, the
/// owner, the sealed audit key, the CA hierarchy and the hub's TLS certificate, and the audit entries that record them — all in one transaction, so a crash leaves no half-made hub.
public enum HubBootstrap {
    public static func initialize(
        store: Store, sealer: KeySealer, hasher: PasswordHasher, householdName: String, ownerEmail: String,
        hostnames: [String], publicURL: String
    ) async throws -> InitialOwner {
        let now = store.clock.now
        let household = try Household(name: householdName, createdAt: now)
        let email = try EmailAddress(ownerEmail)
        let password = GeneratedPassword.make()
        let passwordHash = try await hasher.hash(password)
        let hubID = SecureRandom.bytes(16).hexString
        let trustDomain = "\(hubID).home.arpa"
        let owner = Person(email: email, mustChangePassword: true, createdAt: now)
        let recoveryCodes = RecoveryCodes.generate()
        let auditKey = try AuditKey.generate(trustDomain: trustDomain, sealer: sealer, now: now)
        let actor = AuditActor.system("init")

        try await store.write { db in
            guard try await db.hub.identity() == nil else {
                throw HearthError(.alreadyInitialized, "this database already belongs to an initialized hub")
            }
            try await db.hub.insert(.init(hubID: hubID, trustDomain: trustDomain, createdAt: now))
            try await db.households.insert(household)
            try await db.people.insert(owner, passwordHash: passwordHash)
            try await db.memberships.insert(Membership(personID: owner.id, householdID: household.id, role: .owner, createdAt: now))
            // Whoever makes the hub operates it: creates, suspends and deletes households.
            try await db.hubOperators.add(owner.id, at: now)
            try await db.accountRecovery.replace(person: owner.id, digests: PeopleService.digests(recoveryCodes), at: now)
            try await db.audit.insert(auditKey)
            try await db.audit.append([
                AuditEvent(
                    .householdCreated, actor: actor, subject: "household:\(household.id)", household: household.id,
                    reason: "hub initialized", details: ["name": household.name, "trust_domain": trustDomain]),
                AuditEvent(
                    .personCreated, actor: actor, subject: "person:\(owner.id)", household: household.id,
                    reason: "first owner and hub operator", details: ["role": Role.owner.rawValue]),
            ])
            _ = try await HubProvisioning.ensure(
                in: db, sealer: sealer, hostnames: hostnames,
                publicURL: publicURL, actor: actor)
        }
        return InitialOwner(
            householdID: household.id, householdName: household.name, personID: owner.id, email: email,
            oneTimePassword: password, recoveryCodes: recoveryCodes, trustDomain: trustDomain)
    }

    public static func isInitialized(_ store: Store) async throws -> Bool {
        try await store.read { db in try await db.hub.identity() != nil }
    }
}
