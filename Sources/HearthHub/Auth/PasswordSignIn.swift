import Foundation
import HearthAudit
import HearthCore
import HearthStore
import Logging

/// Checks a person's email, password and — when enrolled — second factor, for every place a
/// person signs in (the API session, the OAuth sign-in and device-verification pages). Failures
/// are throttled per account and per source — shared by every node on the database — and
/// audited; the answer never says which part was wrong except that a second factor is needed.
package struct PasswordSignIn: Sendable {
    package let store: Store
    package let hasher: PasswordHasher
    package let decoyHash: String
    package let throttle: FailureThrottle
    package let secondFactor: SecondFactor
    package let deviceCookies: DeviceCookie

    package struct SignedIn: Sendable {
        package let person: Person
        /// `mfa` when a second factor was proved (RFC 9068 `acr`), nil otherwise.
        package let acr: String?
        /// For the client to keep and present at its next sign-in (``DeviceCookie``).
        package let deviceCookie: String
    }

    /// Failures count per source address, and per account — except for a client that proves it
    /// signed in to this account before, with a device cookie (its failures count for it alone),
    /// or with the account's second factor while the account is backed off (the code is checked
    /// only then, and every failure of that path gets the same answer, so it reveals nothing
    /// about the password).
    package func check(
        email text: String, password: String, code: String?, deviceCookie: String? = nil, source: String?,
        logger: Logger
    ) async throws -> SignedIn {
        guard let email = try? EmailAddress(text) else {
            throw HearthError(.invalidInput, code: "invalid-body", "field 'email' is not an email address")
        }
        let sourceKey = Self.sourceKey(source)
        let accountKey = Self.accountKey(email)
        let trustedClient = deviceCookies.client(deviceCookie, email: email)
        let clientKey = trustedClient ?? accountKey
        let keys = [sourceKey, clientKey]
        // One read for both keys; a refused attempt goes no further and writes nothing.
        let counts = try await throttle.counts(keys)
        let sourceWait = throttle.retryAfter(counts[sourceKey])
        guard sourceWait == 0 else { throw HearthError.throttled(retryAfter: sourceWait, "failed attempts") }
        let accountWait = throttle.retryAfter(counts[clientKey])
        let code = code.flatMap { $0.isEmpty ? nil : $0 }
        let credential = try await store.read { db in try await db.people.credential(email: email) }
        // Backed off and no device cookie: only the second factor may vouch for the client.
        let sparedByCode: Bool
        if accountWait > 0 {
            guard trustedClient == nil, code != nil, let person = credential?.person,
                  try await secondFactor.isEnrolled(person.id)
            else { throw HearthError.throttled(retryAfter: accountWait, "failed attempts") }
            sparedByCode = true
        } else {
            sparedByCode = false
        }
        let matches = try await hasher.verify(password, against: credential?.passwordHash ?? decoyHash)
        guard let credential, matches else {
            logger.notice("sign-in failed", metadata: ["remote": "\(source ?? "-")"])
            try await fail(keys, person: credential?.person, reason: credential == nil ? "unknown account" : "wrong password", source: source)
            throw sparedByCode
                ? Self.wrongWithCode : HearthError.unauthenticated("the email or password is wrong", invalidToken: false)
        }
        let person = credential.person
        var acr: String?
        if try await secondFactor.isEnrolled(person.id) {
            guard let code else {
                throw HearthError(.unauthenticated, code: "second-factor-required",
                    "this account has a second factor: send the authenticator's code (or a recovery code) as 'totp'")
            }
            guard code.utf8.count <= 64, try await secondFactor.verify(person, code: code) else {
                logger.notice("sign-in failed", metadata: ["remote": "\(source ?? "-")", "step": "second factor"])
                try await fail(keys, person: person, reason: "wrong second factor", source: source)
                throw sparedByCode
                    ? Self.wrongWithCode
                    : HearthError.unauthenticated("the second-factor code is wrong or was used already", invalidToken: false)
            }
            acr = "mfa"
        }
        // A client that was spared the account's back-off clears only its own count: the
        // stranger guessing at the account stays backed off. A count that was not there is not
        // deleted, so an ordinary sign-in makes no write of its own.
        if !sparedByCode, counts[clientKey] != nil {
            try await throttle.clear(clientKey)
        }
        let kept = trustedClient == nil ? nil : deviceCookie
        return SignedIn(person: person, acr: acr, deviceCookie: kept ?? deviceCookies.issue(for: email))
    }

    private static let wrongWithCode = HearthError.unauthenticated(
        "the email, password or second-factor code is wrong", invalidToken: false)

    /// The accounts backed off now on any node, for the owner to see who is being guessed at:
    /// email, failures counted, seconds until the next attempt is checked.
    package func throttledAccounts(
        _ emails: [EmailAddress]
    ) async throws -> [(email: EmailAddress, failures: Int, retryAfter: Int)] {
        let counts = try await throttle.counts(emails.map(Self.accountKey))
        return emails.compactMap { email in
            guard let count = counts[Self.accountKey(email)] else { return nil }
            let wait = throttle.retryAfter(count)
            return wait > 0 ? (email, count.failures, wait) : nil
        }
    }

    package static func accountKey(_ email: EmailAddress) -> String { "account:" + email.rawValue }
    package static func sourceKey(_ source: String?) -> String { "source:" + (source ?? "unknown") }

    /// Counts the failure and audits it in one transaction: every node sees the count once the
    /// evidence is committed, and neither exists without the other.
    private func fail(_ keys: [String], person: Person?, reason: String, source: String?) async throws {
        // The attempted email is not recorded for an unknown account: it may be a mistyped password.
        try await store.write { db in
            try await throttle.recordFailure(keys, in: db)
            if let person {
                try await AccountAudit.append(.loginFailed, person: person.id, actor: .anonymous(address: source), reason: reason, in: db)
            } else {
                try await db.audit.append(AuditEvent(
                    .loginFailed, actor: .anonymous(address: source), subject: "account:unknown", household: nil, reason: reason))
            }
        }
    }
}
