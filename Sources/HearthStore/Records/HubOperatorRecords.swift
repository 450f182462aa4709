import struct Foundation.Date
import HearthCore

/// The people who operate the hub: create, suspend and delete households.
public struct HubOperatorRecords: Sendable {
    let db: any SQLExecutor

    public func add(_ person: PersonID, at time: Date) async throws {
        try await db.execute(
            "INSERT INTO hub_operators (person_id, created_at) VALUES (?, ?) ON CONFLICT (person_id) DO NOTHING",
            person.rawValue, time.unixMilliseconds)
    }

    /// Removes an operator; returns whether they were one.
    @discardableResult
    public func remove(_ person: PersonID) async throws -> Bool {
        !(try await db.query("DELETE FROM hub_operators WHERE person_id = ? RETURNING person_id", person.rawValue)).isEmpty
    }

    public func isOperator(_ person: PersonID) async throws -> Bool {
        try await db.first("SELECT 1 AS n FROM hub_operators WHERE person_id = ?", person.rawValue) != nil
    }

    public func all() async throws -> [Person] {
        try await db.query(
            """
            SELECT p.id, p.email, p.must_change_password, p.created_at FROM hub_operators o JOIN people p ON p.id = o.person_id
            ORDER BY o.created_at, p.id
            """
        ).map(Person.init)
    }
}
