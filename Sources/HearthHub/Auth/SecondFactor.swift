import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// A person's second factor: TOTP (RFC 6238) with single-use recovery codes. The secret is sealed
/// under the KEK; recovery codes are kept as digests; a TOTP time step is accepted once.
package struct SecondFactor: Sendable {
    package let store: Store
    package let sealer: KeySealer

    package static func sealName(_ person: String) -> String { "totp:\(person)" }

    package struct Enrollment: Encodable {
        package let secret: String
        package let otpauthURI: String

        package enum CodingKeys: String, CodingKey {
            case secret
            case otpauthURI = "otpauth_uri"
        }
    }

    /// Starts enrollment: a new secret, shown once, unconfirmed until a code from it is entered.
    package func begin(_ person: Person) async throws -> Enrollment {
        let totp = TOTP.generateSecret()
        let sealed = try sealer.seal(totp.secret, name: Self.sealName(person.id.rawValue))
        let started = try await store.write { db in try await db.secondFactors.begin(person: person.id, sealedSecret: sealed, at: db.clock.now) }
        guard started else {
            throw HearthError(.conflict, "a second factor is already enrolled; remove it first")
        }
        return Enrollment(secret: totp.base32Secret, otpauthURI: totp.provisioningURI(issuer: "Hearth", account: person.email.rawValue))
    }

    /// Confirms enrollment with a current code; returns the recovery codes (shown once).
    package func confirm(_ person: Person, code: String) async throws -> [String] {
        let codes = RecoveryCodes.generate()
        try await store.write { db in
            guard let enrollment = try await db.secondFactors.enrollment(of: person.id), enrollment.confirmedAt == nil else {
                throw HearthError(.conflict, "there is no enrollment waiting for confirmation")
            }
            guard let step = try totp(enrollment, person.id.rawValue).matchingStep(code, at: db.clock.now),
                  try await db.secondFactors.useStep(person: person.id, step: step)
            else { throw HearthError(.forbidden, "the code does not match; check the authenticator's clock") }
            try await db.secondFactors.confirm(person: person.id, at: db.clock.now)
            try await db.secondFactors.replaceRecoveryCodes(
                person: person.id, digests: codes.compactMap(RecoveryCodes.normalize).map(SecretToken.digest(of:)))
            try await AccountAudit.append(
                .secondFactorEnrolled, person: person.id, actor: .person(person.id), reason: "TOTP enrolled",
                details: ["recovery_codes": String(codes.count)], in: db)
        }
        return codes
    }

    /// Removes the second factor; needs a current code (or a recovery code).
    package func remove(_ person: Person, code: String) async throws {
        guard try await verify(person, code: code) else {
            throw HearthError(.forbidden, "the code does not match")
        }
        try await store.write { db in
            try await db.secondFactors.remove(person: person.id)
            try await AccountAudit.append(
                .secondFactorRemoved, person: person.id, actor: .person(person.id), reason: "TOTP removed", in: db)
        }
    }

    package func isEnrolled(_ person: PersonID) async throws -> Bool {
        try await store.read { db in try await db.secondFactors.enrollment(of: person)?.confirmedAt != nil }
    }

    /// Checks a TOTP code (each time step once) or a recovery code (each once, audited).
    package func verify(_ person: Person, code: String) async throws -> Bool {
        let sealer = self.sealer
        return try await store.write { db in
            guard let enrollment = try await db.secondFactors.enrollment(of: person.id), enrollment.confirmedAt != nil else {
                return false
            }
            let digits = code.filter { !$0.isWhitespace }
            if digits.count == 6, digits.allSatisfy(\.isASCII) {
                let totp = try TOTP(secret: sealer.open(enrollment.sealedSecret, name: Self.sealName(person.id.rawValue)))
                guard let step = totp.matchingStep(digits, at: db.clock.now) else { return false }
                return try await db.secondFactors.useStep(person: person.id, step: step)
            }
            guard let normalized = RecoveryCodes.normalize(code),
                  try await db.secondFactors.useRecoveryCode(person: person.id, digest: SecretToken.digest(of: normalized), at: db.clock.now)
            else { return false }
            let left = try await db.secondFactors.unusedRecoveryCodes(person: person.id)
            try await AccountAudit.append(
                .recoveryCodeUsed, person: person.id, actor: .person(person.id), reason: "signed in with a recovery code",
                details: ["remaining": String(left)], in: db)
            return true
        }
    }

    private func totp(_ enrollment: SecondFactorRecords.Enrollment, _ person: String) throws -> TOTP {
        TOTP(secret: try sealer.open(enrollment.sealedSecret, name: Self.sealName(person)))
    }
}
