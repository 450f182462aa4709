import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Logging

/// An owner locked out of their account (password forgotten, authenticator lost) recovers it with
/// one of their one-time recovery codes: the code sets a new password, removes the second factor
/// (to enroll again) and ends every session. Codes are made when someone becomes an owner by
/// invitation, at `hearth init`, and whenever an owner asks for a new set; only digests are kept.
package struct AccountRecovery: Sendable {
    package let store: Store
    package let hasher: PasswordHasher
    package let throttle: FailureThrottle

    /// A new set of codes for an owner, replacing any earlier set; shown once.
    package func issueCodes(for owner: Member) async throws -> [String] {
        guard owner.role == .owner else {
            throw HearthError(.forbidden, code: "forbidden", "recovery codes are for household owners")
        }
        let codes = RecoveryCodes.generate()
        try await store.write { db in
            try await db.accountRecovery.replace(person: owner.id, digests: PeopleService.digests(codes), at: db.clock.now)
            try await AccountAudit.append(
                .recoveryCodesIssued, person: owner.id, actor: .person(owner.id), reason: "new account-recovery codes",
                details: ["count": String(codes.count)], in: db)
        }
        return codes
    }

    /// Spends one code of `email`'s account to set `newPassword`. Wrong attempts are throttled
    /// per account and source, and every answer to a wrong one is the same.
    package func recover(email text: String, code: String, newPassword: String, source: String?, logger: Logger) async throws {
        let email = try EmailAddress(text)
        try PeopleService.checkNewPassword(newPassword)
        let keys = [PasswordSignIn.sourceKey(source), "recovery:" + email.rawValue]
        try await throttle.enforce(keys)
        let hash = try await hasher.hash(newPassword)
        let refused = HearthError.unauthenticated("the email or recovery code is wrong, or the code was used", invalidToken: false)
        guard let normalized = RecoveryCodes.normalize(code) else {
            try await throttle.recordFailure(keys)
            throw refused
        }
        let recovered = try await store.write { db -> Bool in
            let now = db.clock.now
            guard let person = try await db.people.find(email: email),
                  try await db.accountRecovery.use(person: person.id, digest: SecretToken.digest(of: normalized), at: now)
            else { return false }
            try await db.people.setPassword(person.id, hash: hash, mustChange: false)
            try await db.secondFactors.remove(person: person.id)
            let sessions = try await db.sessions.deleteAll(of: person.id)
            try await AccountAudit.append(
                .accountRecovered, person: person.id, actor: .person(person.id), reason: "recovered with a one-time code",
                details: [
                    "sessions_ended": String(sessions), "codes_left": String(try await db.accountRecovery.remaining(person: person.id)),
                    "source": source ?? "unknown",
                ], in: db)
            return true
        }
        guard recovered else {
            logger.notice("account recovery refused", metadata: ["remote": "\(source ?? "-")"])
            try await throttle.recordFailure(keys)
            throw refused
        }
    }
}
