import Foundation
import HearthAudit
import HearthCore
import HearthStore
import Logging

/// Sign-in sessions (`POST /v1/session` and friends): a session is for one household the person
/// belongs to — the one they name, or their only one — or, for a hub operator who asks, for
/// operating the hub. Nothing in a session mixes households.
package struct PersonSessions: Sendable {
    package let store: Store
    package let signIn: PasswordSignIn
    package let hasher: PasswordHasher
    package let throttle: FailureThrottle
    package let lifetime: Duration

    package struct Started: Sendable {
        /// Handed out once; only its digest is stored.
        package let token: String
        package let expiresAt: Date
        package let person: Person
        /// nil for an operator session.
        package let member: Member?
        package let deviceCookie: String
    }

    /// Which session to start: a household by id, the hub-operator role, or — when neither is
    /// named — the person's only household.
    package enum Choice: Sendable {
        case household(String)
        case hubOperator
        case onlyHousehold
    }

    /// How long a session lasts: the hub's configured lifetime for API sessions; console
    /// sessions also end after ``idle`` unused.
    package struct Limits: Sendable {
        package var lifetime: Duration
        package var idle: Duration?

        package init(lifetime: Duration, idle: Duration? = nil) {
            self.lifetime = lifetime
            self.idle = idle
        }
    }

    package func start(
        email: String, password: String, secondFactor: String?, deviceCookie: String?, choice: Choice, source: String?,
        limits: Limits? = nil, logger: Logger
    ) async throws -> Started {
        let limits = limits ?? Limits(lifetime: lifetime)
        let signedIn = try await signIn.check(
            email: email, password: password, code: secondFactor, deviceCookie: deviceCookie, source: source, logger: logger)
        let person = signedIn.person
        let token = SecretToken(prefix: SessionAuthenticator.sessionPrefix)
        let started = try await store.write { db -> Started in
            let now = db.clock.now
            let member = try await Self.pick(choice, for: person, in: db)
            let expiresAt = now.addingTimeInterval(limits.lifetime.seconds)
            try await db.sessions.insert(.init(
                tokenDigest: token.digest, personID: person.id, householdID: member?.householdID, createdAt: now,
                expiresAt: expiresAt, idleUntil: limits.idle.map { now.addingTimeInterval($0.seconds) }))
            // Committed with its audit entry before the token is handed out: an acknowledged
            // session survives a crash, and no session exists that the log does not show.
            try await db.audit.append(AuditEvent(
                .loginSucceeded, actor: .person(person.id), subject: Self.subject(token.digest), household: member?.householdID,
                reason: signedIn.acr == nil ? "password" : "password and second factor",
                details: [
                    "source": source ?? "unknown", "expires_at": String(expiresAt.unixMilliseconds),
                    "as": member?.role.rawValue ?? "hub operator",
                ]))
            return Started(
                token: token.value, expiresAt: expiresAt, person: person, member: member, deviceCookie: signedIn.deviceCookie)
        }
        logger.info("signed in", metadata: ["person": "\(person.id)"])
        return started
    }

    private static func pick(_ choice: Choice, for person: Person, in db: StoreSession) async throws -> Member? {
        let memberships = try await db.memberships.memberships(of: person.id)
        let membership: Membership
        switch choice {
        case .hubOperator:
            guard try await db.hubOperators.isOperator(person.id) else {
                throw HearthError(.forbidden, code: "not-an-operator", "this account does not operate the hub")
            }
            return nil
        case .household(let text):
            guard let id = HouseholdID(text), let found = memberships.first(where: { $0.householdID == id }) else {
                throw HearthError(.forbidden, code: "not-a-member", "you do not belong to household '\(text.prefix(64))'")
            }
            membership = found
        case .onlyHousehold:
            guard memberships.count == 1, let only = memberships.first else {
                if memberships.isEmpty {
                    let hint = try await db.hubOperators.isOperator(person.id)
                        ? "; sign in with \"operator\": true to operate the hub" : ""
                    throw HearthError(.forbidden, code: "no-household", "this account belongs to no household" + hint)
                }
                throw HearthError(
                    .invalidInput, code: "choose-household",
                    "this account belongs to \(memberships.count) households; name one as 'household': "
                        + memberships.map(\.householdID.rawValue).joined(separator: ", "))
            }
            membership = only
        }
        guard try await db.households.find(membership.householdID)?.state == .active else {
            throw HearthError(.forbidden, code: "household-suspended", "the household is suspended; its hub operator can resume it")
        }
        let member = Member(person: person, membership: membership)
        try SessionAuthenticator.check(member, .useHousehold, at: db.clock.now)
        return member
    }

    package func end(_ caller: SessionAuthenticator.SessionCaller) async throws {
        try await end(tokenDigest: caller.tokenDigest, person: caller.person.id, household: caller.householdID)
    }

    package func end(tokenDigest: String, person: PersonID, household: HouseholdID?) async throws {
        try await store.write { db in
            try await db.sessions.delete(tokenDigest: tokenDigest)
            try await db.audit.append(AuditEvent(
                .sessionEnded, actor: .person(person), subject: Self.subject(tokenDigest), household: household,
                reason: "signed out"))
        }
    }

    /// Changes the caller's password; every other session of theirs ends.
    package func changePassword(
        _ caller: SessionAuthenticator.SessionCaller, current: String, new: String, source: String?
    ) async throws {
        try PeopleService.checkNewPassword(new)
        let keys = [PasswordSignIn.accountKey(caller.person.email), PasswordSignIn.sourceKey(source)]
        try await throttle.enforce(keys)
        guard let credential = try await store.read({ db in try await db.people.credential(id: caller.person.id) }),
              try await hasher.verify(current, against: credential.passwordHash)
        else {
            try await throttle.recordFailure(keys)
            throw HearthError(.forbidden, code: "wrong-password", "the current password is wrong")
        }
        let newHash = try await hasher.hash(new)
        try await store.write { db in
            try await db.people.setPassword(caller.person.id, hash: newHash, mustChange: false)
            let ended = try await db.sessions.deleteAll(of: caller.person.id, except: caller.tokenDigest)
            try await AccountAudit.append(
                .passwordChanged, person: caller.person.id, actor: .person(caller.person.id), reason: "changed by the person",
                details: ["other_sessions_ended": String(ended)], in: db)
        }
    }

    /// Sessions are named in the log by a prefix of their token digest: enough to tell them
    /// apart, useless for finding the token.
    static func subject(_ digest: String) -> String { "session:" + digest.prefix(16) }
}
