import struct Foundation.Date
import HearthCore

/// Sign-in sessions, kept only by the SHA-256 digest of their bearer token.
public struct SessionRecords: Sendable {
    let db: any SQLExecutor

    public struct Session: Sendable, Hashable {
        public let tokenDigest: String
        public let personID: PersonID
        public let createdAt: Date
        public let expiresAt: Date

        public init(tokenDigest: String, personID: PersonID, createdAt: Date, expiresAt: Date) {
            self.tokenDigest = tokenDigest
            self.personID = personID
            self.createdAt = createdAt
            self.expiresAt = expiresAt
        }
    }

    public func insert(_ session: Session) async throws {
        try await db.execute(
            "INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            session.tokenDigest, session.personID.rawValue, session.createdAt.unixMilliseconds,
            session.expiresAt.unixMilliseconds)
    }

    /// The session for a token digest, if it exists and has not expired at `now`.
    ///
    /// The lookup is by digest through the primary-key index; the digest of a 256-bit random token
    /// is not guessable, so the timing of this lookup reveals nothing useful.
    public func live(tokenDigest: String, at now: Date) async throws -> Session? {
        guard let row = try await db.first(
            "SELECT token_hash, person_id, created_at, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?",
            tokenDigest, now.unixMilliseconds)
        else { return nil }
        guard let person = PersonID(try row.text("person_id")) else {
            throw HearthError(.storageUnavailable, "a stored session record is malformed")
        }
        return Session(
            tokenDigest: try row.text("token_hash"), personID: person,
            createdAt: Date(unixMilliseconds: try row.integer("created_at")),
            expiresAt: Date(unixMilliseconds: try row.integer("expires_at")))
    }

    /// Ends a session; returns whether one was there.
    @discardableResult
    public func delete(tokenDigest: String) async throws -> Bool {
        !(try await db.query("DELETE FROM sessions WHERE token_hash = ? RETURNING token_hash", tokenDigest)).isEmpty
    }

    /// Ends every session of a person (after a password change or reset), but the one whose
    /// digest is `kept`, if given; returns how many ended.
    @discardableResult
    public func deleteAll(of person: PersonID, except kept: String? = nil) async throws -> Int {
        try await db.query(
            "DELETE FROM sessions WHERE person_id = ? AND token_hash <> ? RETURNING token_hash",
            person.rawValue, kept ?? ""
        ).count
    }

    /// Removes sessions that expired before `time`; returns how many.
    @discardableResult
    public func deleteExpired(before time: Date) async throws -> Int {
        try await db.query("DELETE FROM sessions WHERE expires_at <= ? RETURNING token_hash", time.unixMilliseconds).count
    }

    public func count() async throws -> Int {
        Int(try await db.first("SELECT COUNT(*) AS n FROM sessions")?.integer("n") ?? 0)
    }
}
