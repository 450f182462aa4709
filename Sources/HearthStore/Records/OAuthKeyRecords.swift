import struct Foundation.Date
import HearthCore

/// A token-signing key: sealed private key, published public JWK, and its place in rotation.
public struct OAuthSigningKeyRecord: Sendable, Hashable {
    public let kid: String
    public let sealedKey: [UInt8]
    public let publicJWK: String
    public let createdAt: Date
    /// When it stopped signing; nil for the active key.
    public let retiredAt: Date?
    /// Until when a retired key is still published: the expiry of the last token it signed.
    public let verifyUntil: Date?

    public init(kid: String, sealedKey: [UInt8], publicJWK: String, createdAt: Date, retiredAt: Date? = nil, verifyUntil: Date? = nil) {
        self.kid = kid
        self.sealedKey = sealedKey
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        self.verifyUntil = verifyUntil
    }
}

public struct OAuthKeyRecords: Sendable {
    let db: any SQLExecutor

    public func insert(_ key: OAuthSigningKeyRecord) async throws {
        try await db.execute(
            "INSERT INTO oauth_signing_keys (kid, sealed_key, public_jwk, created_at, retired_at, verify_until) VALUES (?, ?, ?, ?, ?, ?)",
            key.kid, key.sealedKey, key.publicJWK, key.createdAt.unixMilliseconds, key.retiredAt.map(\.unixMilliseconds),
            key.verifyUntil.map(\.unixMilliseconds))
    }

    /// The active key first, then retired keys still published at `time`.
    public func published(at time: Date) async throws -> [OAuthSigningKeyRecord] {
        try await db.query(
            """
            SELECT kid, sealed_key, public_jwk, created_at, retired_at, verify_until FROM oauth_signing_keys
            WHERE retired_at IS NULL OR verify_until > ? ORDER BY retired_at IS NOT NULL, created_at DESC
            """,
            time.unixMilliseconds
        ).map { row in
            OAuthSigningKeyRecord(
                kid: try row.text("kid"), sealedKey: try row.blob("sealed_key"), publicJWK: try row.text("public_jwk"),
                createdAt: try row.date("created_at"), retiredAt: try row.optionalDate("retired_at"),
                verifyUntil: try row.optionalDate("verify_until"))
        }
    }

    /// Every key, for KEK rotation.
    public func all() async throws -> [(kid: String, sealedKey: [UInt8])] {
        try await db.query("SELECT kid, sealed_key FROM oauth_signing_keys ORDER BY kid").map {
            (try $0.text("kid"), try $0.blob("sealed_key"))
        }
    }

    public func reseal(kid: String, sealedKey: [UInt8]) async throws {
        try await db.execute("UPDATE oauth_signing_keys SET sealed_key = ? WHERE kid = ?", sealedKey, kid)
    }

    /// Retires the active key(s): they stop signing and stay published until `verifyUntil`.
    public func retireActive(at time: Date, verifyUntil: Date) async throws -> [String] {
        try await db.query(
            "UPDATE oauth_signing_keys SET retired_at = ?, verify_until = ? WHERE retired_at IS NULL RETURNING kid",
            time.unixMilliseconds, verifyUntil.unixMilliseconds
        ).map { try $0.text("kid") }
    }

    /// What identifies the published key set at `time` (the active kid first): a rotation by
    /// another process, or a retired key's overlap ending, changes it.
    public func revision(at time: Date) async throws -> String {
        try await published(at: time).map(\.kid).joined(separator: " ")
    }
}

/// A person's second factor (a TOTP secret, sealed) and single-use recovery codes (digests).
public struct SecondFactorRecords: Sendable {
    let db: any SQLExecutor

    public struct Enrollment: Sendable {
        public let sealedSecret: [UInt8]
        public let confirmedAt: Date?
        public let lastStep: Int64
    }

    /// Starts (or restarts, while unconfirmed) an enrollment; false when a confirmed one exists.
    public func begin(person: PersonID, sealedSecret: [UInt8], at time: Date) async throws -> Bool {
        if let current = try await enrollment(of: person), current.confirmedAt != nil { return false }
        try await db.execute("DELETE FROM person_second_factors WHERE person_id = ?", person.rawValue)
        try await db.execute(
            "INSERT INTO person_second_factors (person_id, sealed_secret, created_at, last_step) VALUES (?, ?, ?, 0)",
            person.rawValue, sealedSecret, time.unixMilliseconds)
        return true
    }

    public func enrollment(of person: PersonID) async throws -> Enrollment? {
        try await db.first(
            "SELECT sealed_secret, confirmed_at, last_step FROM person_second_factors WHERE person_id = ?", person.rawValue
        ).map { Enrollment(sealedSecret: try $0.blob("sealed_secret"), confirmedAt: try $0.optionalDate("confirmed_at"), lastStep: try $0.integer("last_step")) }
    }

    /// Accepts a TOTP time step once: false when this or a later step was used already (a
    /// replayed code).
    public func useStep(person: PersonID, step: Int64) async throws -> Bool {
        try await !db.query(
            "UPDATE person_second_factors SET last_step = ? WHERE person_id = ? AND last_step < ? RETURNING person_id",
            step, person.rawValue, step
        ).isEmpty
    }

    public func confirm(person: PersonID, at time: Date) async throws {
        try await db.execute(
            "UPDATE person_second_factors SET confirmed_at = ? WHERE person_id = ?", time.unixMilliseconds, person.rawValue)
    }

    public func remove(person: PersonID) async throws {
        try await db.execute("DELETE FROM person_recovery_codes WHERE person_id = ?", person.rawValue)
        try await db.execute("DELETE FROM person_second_factors WHERE person_id = ?", person.rawValue)
    }

    /// Replaces a person's recovery codes with new ones (digests).
    public func replaceRecoveryCodes(person: PersonID, digests: [String]) async throws {
        try await db.execute("DELETE FROM person_recovery_codes WHERE person_id = ?", person.rawValue)
        for digest in digests {
            try await db.execute(
                "INSERT INTO person_recovery_codes (person_id, digest) VALUES (?, ?)", person.rawValue, digest)
        }
    }

    /// Uses a recovery code once; false when unknown or used.
    public func useRecoveryCode(person: PersonID, digest: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE person_recovery_codes SET used_at = ? WHERE person_id = ? AND digest = ? AND used_at IS NULL RETURNING digest",
            time.unixMilliseconds, person.rawValue, digest
        ).isEmpty
    }

    public func unusedRecoveryCodes(person: PersonID) async throws -> Int {
        Int(try await db.first(
            "SELECT COUNT(*) AS n FROM person_recovery_codes WHERE person_id = ? AND used_at IS NULL", person.rawValue
        )?.integer("n") ?? 0)
    }

    /// Every sealed secret, for KEK rotation.
    public func allSealed() async throws -> [(person: String, sealed: [UInt8])] {
        try await db.query("SELECT person_id, sealed_secret FROM person_second_factors ORDER BY person_id").map {
            (try $0.text("person_id"), try $0.blob("sealed_secret"))
        }
    }

    public func reseal(person: String, sealed: [UInt8]) async throws {
        try await db.execute("UPDATE person_second_factors SET sealed_secret = ? WHERE person_id = ?", sealed, person)
    }
}
