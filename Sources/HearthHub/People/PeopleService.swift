import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Logging

/// A household's people: invitations, roles, removal and the hand-over of
/// ownership. Adapters decide who may call (an owner of the household over the API, the hub's
/// shell in the CLI); every operation here checks the household's rules (one owner at least, a
/// guest's access has an end, zones and devices exist) and commits with its audit entries.
/// Whatever takes a person's place away ends their sessions, grants and tokens at once
/// (``AccessRemoval``).
public struct PeopleService: Sendable {
    package let store: Store

    package init(store: Store) { self.store = store }

    /// What an owner asks for.
    public struct InvitationRequest: Sendable {
        public var email: String?
        public var role: Role
        public var access: DeviceAccess
        /// How long the code stays valid; at most 7 days (the default).
        public var lifetime: TimeInterval

        public init(email: String?, role: Role, access: DeviceAccess, lifetime: TimeInterval = Invitation.longestLifetime) {
            self.email = email
            self.role = role
            self.access = access
            self.lifetime = lifetime
        }
    }

    public func invite(
        _ request: InvitationRequest, household: HouseholdID, actor: AuditActor
    ) async throws -> (invitation: Invitation, code: String) {
        let email = try request.email.map(EmailAddress.init)
        return try await store.write { db in
            let now = db.clock.now
            try await Self.checkAccess(request.access, household: household, in: db)
            let invitation = try Invitation(
                householdID: household, email: email, role: request.role, access: request.access,
                invitedBy: actor.description, createdAt: now, expiresAt: now.addingTimeInterval(request.lifetime))
            return (invitation, try await InvitationIssuing.record(invitation, actor: actor, in: db))
        }
    }

    public func invitations(household: HouseholdID) async throws -> [InvitationRecords.Stored] {
        try await store.read { db in try await db.invitations.all(in: household) }
    }

    public func revokeInvitation(_ id: InvitationID, household: HouseholdID, actor: AuditActor) async throws {
        try await store.write { db in
            guard try await db.invitations.revoke(id, in: household, at: db.clock.now) else {
                throw HearthError(.notFound, "no open invitation \(id) in this household")
            }
            try await db.audit.append(AuditEvent(
                .invitationRevoked, actor: actor, subject: "invitation:\(id)", household: household, reason: "revoked"))
        }
    }

    public func members(household: HouseholdID) async throws -> [Member] {
        try await store.read { db in try await db.memberships.members(of: household) }
    }

    /// Gives a person of the household another role (and access); their sessions, grants and
    /// tokens there end, so nothing keeps the rights of the old role.
    public func changeRole(
        of person: PersonID, to role: Role, access: DeviceAccess, household: HouseholdID, actor: AuditActor
    ) async throws -> Membership {
        try await store.write { db in
            guard var membership = try await db.memberships.find(person: person, household: household) else {
                throw HearthError(.notFound, "that person does not belong to this household")
            }
            try await Self.keepAnOwner(ifChanging: membership, to: role, in: db)
            try await Self.checkAccess(access, household: household, in: db)
            let before = membership.role
            membership.role = role
            membership.access = try DeviceAccess.validated(access, for: role, at: db.clock.now)
            try await db.memberships.update(membership)
            let ended = try await AccessRemoval.endAccess(of: person, in: household, reason: "role changed", db: db)
            try await db.audit.append(AuditEvent(
                .roleChanged, actor: actor, subject: "person:\(person)", household: household,
                reason: "\(before.rawValue) to \(role.rawValue)", details: ended.details))
            return membership
        }
    }

    /// Takes a person out of the household; an account that belongs nowhere else is erased.
    public func remove(_ person: PersonID, household: HouseholdID, actor: AuditActor) async throws {
        try await store.write { db in
            guard let membership = try await db.memberships.find(person: person, household: household) else {
                throw HearthError(.notFound, "that person does not belong to this household")
            }
            try await Self.keepAnOwner(ifChanging: membership, to: nil, in: db)
            try await Self.end(membership, action: .personRemoved, reason: "removed", actor: actor, in: db)
        }
    }

    /// An owner hands ownership to another person of the household: they become an owner, the
    /// giver a member of every zone, and both start over (their sessions and tokens end).
    public func transferOwnership(from owner: PersonID, to heir: PersonID, household: HouseholdID) async throws {
        try await store.write { db in
            guard owner != heir else { throw HearthError(.invalidInput, "choose another person of the household") }
            guard var giver = try await db.memberships.find(person: owner, household: household), giver.role == .owner else {
                throw HearthError(.forbidden, code: "forbidden", "only an owner can hand ownership over")
            }
            guard var receiver = try await db.memberships.find(person: heir, household: household) else {
                throw HearthError(.notFound, "that person does not belong to this household")
            }
            receiver.role = .owner
            receiver.access = .everything
            giver.role = .member
            giver.access = .everything
            try await db.memberships.update(receiver)
            try await db.memberships.update(giver)
            var details: [String: String] = ["to": heir.rawValue]
            for person in [owner, heir] {
                let ended = try await AccessRemoval.endAccess(of: person, in: household, reason: "ownership handed over", db: db)
                details["sessions_ended_\(person == owner ? "giver" : "receiver")"] = String(ended.sessions)
            }
            try await db.audit.append(AuditEvent(
                .ownershipTransferred, actor: .person(owner), subject: "household:\(household)", household: household,
                reason: "ownership handed over", details: details))
        }
    }

    /// Ends the places of guests whose period is over (a sweep runs it every half second; the
    /// policy already refuses them from the first instant after the end). Returns how many.
    @discardableResult
    public func endExpiredAccess() async throws -> Int {
        let now = store.clock.now
        // A read first: most sweeps find nothing, and need not take the write lock.
        guard !(try await store.read({ db in try await db.memberships.ended(at: now, limit: 1) })).isEmpty else { return 0 }
        return try await store.write { db in
            let ended = try await db.memberships.ended(at: db.clock.now, limit: 100)
            for membership in ended {
                try await Self.end(membership, action: .accessEnded, reason: "access period ended", actor: .system("hub"), in: db)
            }
            return ended.count
        }
    }

    // MARK: rules

    private static func end(
        _ membership: Membership, action: AuditAction, reason: String, actor: AuditActor, in db: StoreSession
    ) async throws {
        let (person, household) = (membership.personID, membership.householdID)
        try await db.memberships.delete(person: person, household: household)
        var details = try await AccessRemoval.endAccess(of: person, in: household, reason: reason, db: db).details
        details["account_erased"] = String(try await db.people.deleteIfUnattached(person))
        try await db.audit.append(AuditEvent(
            action, actor: actor, subject: "person:\(person)", household: household, reason: reason, details: details))
    }

    private static func keepAnOwner(ifChanging membership: Membership, to role: Role?, in db: StoreSession) async throws {
        guard membership.role == .owner, role != .owner else { return }
        guard try await db.memberships.ownerCount(of: membership.householdID) > 1 else {
            throw HearthError(
                .conflict, code: "last-owner",
                "a household keeps at least one owner: make someone else an owner (or hand ownership over) first")
        }
    }

    /// The zones and devices an access names must be the household's own.
    private static func checkAccess(_ access: DeviceAccess, household: HouseholdID, in db: StoreSession) async throws {
        if let zones = access.zones {
            let known = Set(try await db.households.zones(of: household))
            if let unknown = zones.subtracting(known).first {
                throw HearthError(.invalidInput, code: "unknown-zone", "the household has no zone '\(unknown)'")
            }
        }
        for id in access.devices {
            guard let device = try await db.devices.find(id), device.householdID == household, device.state != .decommissioned
            else { throw HearthError(.invalidInput, code: "unknown-device", "the household has no device \(id)") }
        }
    }

    static func checkNewPassword(_ password: String) throws {
        guard (12...1024).contains(password.count) else {
            throw HearthError(.invalidInput, code: "weak-password", "a password is 12 to 1024 characters")
        }
    }

    static func digests(_ codes: [String]) -> [String] {
        codes.compactMap(RecoveryCodes.normalize).map(SecretToken.digest(of:))
    }
}
