import Foundation
import HearthAudit
import HearthCore
import HearthStore
import Logging

/// Checks a person's email, password and — when enrolled — second factor, for every place a
/// person signs in (the API session, the OAuth sign-in and device-verification pages). Failures
/// are throttled per account and per source, and audited; the answer never says which part was
/// wrong except that a second factor is needed.
package struct PasswordSignIn: Sendable {
    package let store: Store
    package let hasher: PasswordHasher
    package let decoyHash: String
    package let throttle: SignInThrottle
    package let secondFactor: SecondFactor

    package struct SignedIn: Sendable {
        package let person: Person
        /// `mfa` when a second factor was proved (RFC 9068 `acr`), nil otherwise.
        package let acr: String?
    }

    package func check(
        email text: String, password: String, code: String?, source: String?, logger: Logger
    ) async throws -> SignedIn {
        guard let email = try? EmailAddress(text) else {
            throw HearthError(.invalidInput, code: "invalid-body", "field 'email' is not an email address")
        }
        let keys = Self.throttleKeys(email: email, source: source)
        try await throttle.enforce(keys)
        let credential = try await store.read { db in try await db.people.credential(email: email) }
        let matches = try await hasher.verify(password, against: credential?.passwordHash ?? decoyHash)
        guard let credential, matches else {
            logger.notice("sign-in failed", metadata: ["remote": "\(source ?? "-")"])
            try await fail(keys, person: credential?.person, reason: credential == nil ? "unknown account" : "wrong password", source: source)
            throw HearthError.unauthenticated("the email or password is wrong", invalidToken: false)
        }
        let person = credential.person
        guard try await secondFactor.isEnrolled(person.id) else {
            await throttle.recordSuccess(keys[0])
            return SignedIn(person: person, acr: nil)
        }
        guard let code, !code.isEmpty else {
            throw HearthError(.unauthenticated, code: "second-factor-required",
                "this account has a second factor: send the authenticator's code (or a recovery code) as 'totp'")
        }
        guard code.utf8.count <= 64, try await secondFactor.verify(person, code: code) else {
            logger.notice("sign-in failed", metadata: ["remote": "\(source ?? "-")", "step": "second factor"])
            try await fail(keys, person: person, reason: "wrong second factor", source: source)
            throw HearthError.unauthenticated("the second-factor code is wrong or was used already", invalidToken: false)
        }
        await throttle.recordSuccess(keys[0])
        return SignedIn(person: person, acr: "mfa")
    }

    /// Failures count per account and per source address.
    package static func throttleKeys(email: EmailAddress, source: String?) -> [String] {
        ["account:" + email.rawValue, "source:" + (source ?? "unknown")]
    }

    private func fail(_ keys: [String], person: Person?, reason: String, source: String?) async throws {
        await throttle.recordFailure(keys)
        // The attempted email is not recorded for an unknown account: it may be a mistyped password.
        try await store.write { db in
            try await db.audit.append(AuditEvent(
                .loginFailed, actor: .anonymous(address: source), subject: person.map { "person:\($0.id)" } ?? "account:unknown",
                household: person?.householdID, reason: reason))
        }
    }
}
