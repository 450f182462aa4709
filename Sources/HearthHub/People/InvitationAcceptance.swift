import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Logging

/// Accepting an invitation (`POST /v1/invitations/accept`): the code makes a new account, or
/// adds one more household to an existing account that proves itself by signing in.
package struct InvitationAcceptance: Sendable {
    package let store: Store
    package let hasher: PasswordHasher
    package let signIn: PasswordSignIn
    /// Wrong codes, per source: a code is 256 random bits, so this only slows a scan down, and a
    /// refused code writes nothing.
    package let wrongCodes: FailureThrottle

    /// What accepting an invitation made.
    package struct Accepted: Sendable {
        package let member: Member
        /// Whether a new account was made (rather than one more household for an existing one).
        package let newAccount: Bool
        /// For a new owner: one-time account-recovery codes, shown only now.
        package let recoveryCodes: [String]
    }

    package static let invalidInvitation = HearthError(
        .forbidden, code: "invitation-invalid", "the invitation code is unknown, used, revoked or expired")

    /// Accepts an invitation as `email`: a new account with `password`, or — when the address
    /// already signs in here — the existing account, proved by its password (and second factor).
    /// Refusals change nothing; wrong codes back the source off.
    package func accept(
        code: String, email text: String, password: String, secondFactor: String?, deviceCookie: String?,
        source: String?, logger: Logger
    ) async throws -> Accepted {
        let email = try EmailAddress(text)
        let sourceKey = PasswordSignIn.sourceKey(source)
        try await wrongCodes.enforce([sourceKey], "wrong invitation codes")
        let now = store.clock.now
        let digest = SecretToken.digest(of: code)
        let found = code.utf8.count <= 128 ? try await store.read { db in try await db.invitations.find(digest: digest) } : nil
        guard let found, found.status(at: now) == .open else {
            try await wrongCodes.recordFailure([sourceKey])
            throw Self.invalidInvitation
        }
        let invitation = found.invitation
        if let wanted = invitation.email, wanted != email {
            throw HearthError(.forbidden, code: "invitation-for-another-address", "this invitation is for another email address")
        }
        let existing = try await store.read { db in try await db.people.find(email: email) }
        let passwordHash: String?
        if existing != nil {
            _ = try await signIn.check(
                email: text, password: password, code: secondFactor, deviceCookie: deviceCookie, source: source, logger: logger)
            passwordHash = nil
        } else {
            try PeopleService.checkNewPassword(password)
            passwordHash = try await hasher.hash(password)
        }
        let codes = invitation.role == .owner ? RecoveryCodes.generate() : []
        let member = try await store.write { db -> Member in
            let now = db.clock.now
            guard try await db.households.find(invitation.householdID)?.state == .active else { throw Self.invalidInvitation }
            let person: Person
            if let existing {
                person = existing
            } else {
                person = Person(email: email, mustChangePassword: false, createdAt: now)
                try await db.people.insert(person, passwordHash: passwordHash ?? "")
            }
            guard try await db.invitations.accept(invitation.id, by: person.id, at: now) else { throw Self.invalidInvitation }
            let membership = Membership(
                personID: person.id, householdID: invitation.householdID, role: invitation.role, access: invitation.access,
                createdAt: now)
            try await db.memberships.insert(membership)
            if !codes.isEmpty {
                try await db.accountRecovery.replace(person: person.id, digests: PeopleService.digests(codes), at: now)
            }
            var events = [AuditEvent(
                .invitationAccepted, actor: .person(person.id), subject: "invitation:\(invitation.id)",
                household: invitation.householdID, reason: "joined as \(invitation.role.rawValue)",
                details: ["person": person.id.rawValue])]
            if existing == nil {
                events.append(AuditEvent(
                    .personCreated, actor: .person(person.id), subject: "person:\(person.id)", household: invitation.householdID,
                    reason: "accepted an invitation", details: ["role": invitation.role.rawValue]))
            }
            try await db.audit.append(events)
            return Member(person: person, membership: membership)
        }
        return Accepted(member: member, newAccount: existing == nil, recoveryCodes: codes)
    }

}
