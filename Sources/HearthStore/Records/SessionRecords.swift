import struct Foundation.Date
import HearthCore

/// Sign-in sessions, kept only by the SHA-256 digest of their bearer token. Each is for one
/// household the person belongs to, or — with no household — a hub-operator session.
public struct SessionRecords: Sendable {
    let db: any SQLExecutor

    public struct Session: Sendable, Hashable {
        public let tokenDigest: String
        public let personID: PersonID
        /// nil: a hub-operator session.
        public let householdID: HouseholdID?
        public let createdAt: Date
        public let expiresAt: Date
        /// When the session ends unless it is used before (console sessions); nil: never idle.
        public let idleUntil: Date?

        public init(
            tokenDigest: String, personID: PersonID, householdID: HouseholdID?, createdAt: Date, expiresAt: Date,
            idleUntil: Date? = nil
        ) {
            self.tokenDigest = tokenDigest
            self.personID = personID
            self.householdID = householdID
            self.createdAt = createdAt
            self.expiresAt = expiresAt
            self.idleUntil = idleUntil
        }
    }

    /// A live session with what every authenticated call needs to decide on it.
    public struct Caller: Sendable {
        public let person: Person
        /// The person's membership in the session's household; nil for an operator session, or
        /// when the membership is gone (the caller is then refused).
        public let membership: Membership?
        public let householdID: HouseholdID?
        public let householdState: Household.State?
        /// Whether the person is a hub operator now.
        public let isOperator: Bool
        /// When the session ends unless used (console sessions); nil: never idle.
        public let idleUntil: Date?
    }

    public func insert(_ session: Session) async throws {
        try await db.execute(
            """
            INSERT INTO sessions (token_hash, person_id, household_id, created_at, expires_at, idle_until)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            session.tokenDigest, session.personID.rawValue, session.householdID?.rawValue,
            session.createdAt.unixMilliseconds, session.expiresAt.unixMilliseconds,
            session.idleUntil.map { SQLValue.integer($0.unixMilliseconds) } ?? SQLValue.null)
    }

    /// Pushes an idle-limited session's end to `idleUntil` (never past its absolute expiry).
    public func touch(tokenDigest: String, idleUntil: Date) async throws {
        try await db.execute(
            """
            UPDATE sessions SET idle_until = CASE WHEN expires_at < ? THEN expires_at ELSE ? END
            WHERE token_hash = ? AND idle_until IS NOT NULL
            """, idleUntil.unixMilliseconds, idleUntil.unixMilliseconds, tokenDigest)
    }

    /// The caller behind a token digest, if the session is live at `now`. Every signed-in API
    /// call makes this, so it is two primary-key reads with scalar subqueries and no join: SQLite
    /// planned joins (and this one with them) anew at every run, which cost a third of a simple
    /// signed-in call's throughput. The lookup is by digest through the primary-key index; the
    /// digest of a 256-bit random token is not guessable, so its timing reveals nothing useful.
    public func caller(tokenDigest: String, at now: Date) async throws -> Caller? {
        guard let row = try await db.first(
            """
            SELECT id, email, must_change_password, created_at,
            (SELECT household_id FROM sessions WHERE token_hash = ?) AS session_household,
            (SELECT idle_until FROM sessions WHERE token_hash = ?) AS idle_until,
            (SELECT person_id FROM hub_operators WHERE person_id = people.id) AS operator_id
            FROM people WHERE id = (
                SELECT person_id FROM sessions
                WHERE token_hash = ? AND expires_at > ? AND (idle_until IS NULL OR idle_until > ?)
            )
            """, tokenDigest, tokenDigest, tokenDigest, now.unixMilliseconds, now.unixMilliseconds)
        else { return nil }
        let person = try Person(row)
        let isOperator = try row.optionalText("operator_id") != nil
        let idleUntil = try row.optionalDate("idle_until")
        guard let text = try row.optionalText("session_household") else {
            return Caller(
                person: person, membership: nil, householdID: nil, householdState: nil, isOperator: isOperator,
                idleUntil: idleUntil)
        }
        guard let household = HouseholdID(text) else { throw HearthError(.storageUnavailable, "a stored session is malformed") }
        let place = try await MembershipRecords(db: db).findWithHouseholdState(person: person.id, household: household)
        return Caller(
            person: person, membership: place?.0, householdID: household, householdState: place?.1, isOperator: isOperator,
            idleUntil: idleUntil)
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

    /// Ends a person's sessions in one household (removed, or their role changed); returns how many.
    @discardableResult
    public func deleteAll(of person: PersonID, in household: HouseholdID) async throws -> Int {
        try await db.query(
            "DELETE FROM sessions WHERE person_id = ? AND household_id = ? RETURNING token_hash",
            person.rawValue, household.rawValue
        ).count
    }

    /// Ends every session in a household (suspended or deleted); returns how many.
    @discardableResult
    public func deleteAll(in household: HouseholdID) async throws -> Int {
        try await db.query("DELETE FROM sessions WHERE household_id = ? RETURNING token_hash", household.rawValue).count
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
