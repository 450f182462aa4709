import struct Foundation.Date
import HearthCore

/// People's accounts: email, password hash, whether the password must change. What they are in
/// a household is in ``MembershipRecords``.
public struct PersonRecords: Sendable {
    let db: any SQLExecutor

    /// A person with the stored (hashed) form of their password, for sign-in.
    public struct Credential: Sendable {
        public let person: Person
        public let passwordHash: String
    }

    static let columns = "id, email, password_hash, must_change_password, created_at"

    /// Inserts a person; `conflict` if the email is already someone's sign-in name.
    public func insert(_ person: Person, passwordHash: String) async throws {
        do {
            try await db.execute(
                "INSERT INTO people (\(Self.columns)) VALUES (?, ?, ?, ?, ?)",
                person.id.rawValue, person.email.rawValue, passwordHash, person.mustChangePassword,
                person.createdAt.unixMilliseconds)
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

    public func find(_ id: PersonID) async throws -> Person? {
        try await credential(id: id)?.person
    }

    public func find(email: EmailAddress) async throws -> Person? {
        try await credential(email: email)?.person
    }

    /// Every account on the hub, for the operator's shell.
    public func all() async throws -> [Person] {
        try await db.query("SELECT \(Self.columns) FROM people ORDER BY created_at, id").map(Person.init)
    }

    public func count() async throws -> Int {
        Int(try await db.first("SELECT COUNT(*) AS n FROM people")?.integer("n") ?? 0)
    }

    /// Replaces the password hash; `not-found` if the person does not exist.
    public func setPassword(_ id: PersonID, hash: String, mustChange: Bool) async throws {
        let updated = try await db.query(
            "UPDATE people SET password_hash = ?, must_change_password = ? WHERE id = ? RETURNING id",
            hash, mustChange, id.rawValue)
        guard !updated.isEmpty else { throw HearthError(.notFound, "no such person") }
    }

    /// Erases an account that belongs nowhere any more (no membership, not an operator), with
    /// its second factor and recovery codes; returns whether it was erased.
    @discardableResult
    public func deleteIfUnattached(_ id: PersonID) async throws -> Bool {
        let attached = try await db.first(
            """
            SELECT 1 AS n FROM memberships WHERE person_id = ?
            UNION ALL SELECT 1 AS n FROM hub_operators WHERE person_id = ?
            """, id.rawValue, id.rawValue)
        guard attached == nil else { return false }
        for table in ["sessions", "person_second_factors", "person_recovery_codes", "account_recovery_codes"] {
            try await db.execute("DELETE FROM \(table) WHERE person_id = ?", id.rawValue)
        }
        return !(try await db.query("DELETE FROM people WHERE id = ? RETURNING id", id.rawValue)).isEmpty
    }
}

extension Person {
    init(_ row: SQLRow) throws {
        guard let id = PersonID(try row.text("id")) else {
            throw HearthError(.storageUnavailable, "a stored person record is malformed")
        }
        self.init(
            id: id, email: try EmailAddress(try row.text("email")),
            mustChangePassword: try row.bool("must_change_password"),
            createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }
}
