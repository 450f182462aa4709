import struct Foundation.Date
import HearthCore

public struct PersonRecords: Sendable {
    let db: any SQLExecutor

    /// A person with the stored (hashed) form of their password, for sign-in.
    public struct Credential: Sendable {
        public let person: Person
        public let passwordHash: String
    }

    static let columns = "id, household_id, email, role, password_hash, must_change_password, created_at"

    /// Inserts a person; `conflict` if the email is already someone's sign-in name.
    public func insert(_ person: Person, passwordHash: String) async throws {
        do {
            try await db.execute(
                "INSERT INTO people (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                person.id.rawValue, person.householdID.rawValue, person.email.rawValue, person.role.rawValue,
                passwordHash, person.mustChangePassword, person.createdAt.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "an account with that email address already exists")
        }
    }

    public func credential(email: EmailAddress) async throws -> Credential? {
        guard let row = try await db.first("SELECT \(Self.columns) FROM people WHERE email = ?", email.rawValue)
        else { return nil }
        return Credential(person: try Person(row), passwordHash: try row.text("password_hash"))
    }

    public func credential(id: PersonID) async throws -> Credential? {
        guard let row = try await db.first("SELECT \(Self.columns) FROM people WHERE id = ?", id.rawValue)
        else { return nil }
        return Credential(person: try Person(row), passwordHash: try row.text("password_hash"))
    }

    /// The person whose session has this token digest, if the session is live at `now` (one
    /// query: every authenticated request makes it).
    public func withLiveSession(tokenDigest: String, at now: Date) async throws -> Person? {
        // A subquery rather than a join: SQLite compiled the join anew at every run, and every
        // signed-in API call makes this one.
        return try await db.first(
            "SELECT \(Self.columns) FROM people WHERE id = (SELECT person_id FROM sessions WHERE token_hash = ? AND expires_at > ?)",
            tokenDigest, now.unixMilliseconds
        ).map(Person.init)
    }

    public func find(_ id: PersonID) async throws -> Person? {
        try await credential(id: id)?.person
    }

    public func all(in household: HouseholdID? = nil) async throws -> [Person] {
        let rows = if let household {
            try await db.query(
                "SELECT \(Self.columns) FROM people WHERE household_id = ? ORDER BY created_at, id", household.rawValue)
        } else {
            try await db.query("SELECT \(Self.columns) FROM people ORDER BY created_at, id")
        }
        return try rows.map(Person.init)
    }

    /// Replaces the password hash; `not-found` if the person does not exist.
    public func setPassword(_ id: PersonID, hash: String, mustChange: Bool) async throws {
        let updated = try await db.query(
            "UPDATE people SET password_hash = ?, must_change_password = ? WHERE id = ? RETURNING id",
            hash, mustChange, id.rawValue)
        guard !updated.isEmpty else { throw HearthError(.notFound, "no such person") }
    }
}

extension Person {
    init(_ row: SQLRow) throws {
        guard let id = PersonID(try row.text("id")), let household = HouseholdID(try row.text("household_id")),
              let role = Role(rawValue: try row.text("role"))
        else { throw HearthError(.storageUnavailable, "a stored person record is malformed") }
        self.init(
            id: id, householdID: household, email: try EmailAddress(try row.text("email")), role: role,
            mustChangePassword: try row.bool("must_change_password"),
            createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }
}
