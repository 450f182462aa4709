import struct Foundation.Date
import HearthCore

public struct HouseholdRecords: Sendable {
    let db: any SQLExecutor

    /// Inserts the household together with its default zones.
    public func insert(_ household: Household) async throws {
        try await db.execute(
            "INSERT INTO households (id, name, created_at) VALUES (?, ?, ?)",
            household.id.rawValue, household.name, household.createdAt.unixMilliseconds)
        for zone in Zone.defaults {
            try await db.execute(
                "INSERT INTO zones (household_id, name, created_at) VALUES (?, ?, ?)",
                household.id.rawValue, zone.name, household.createdAt.unixMilliseconds)
        }
    }

    public func find(_ id: HouseholdID) async throws -> Household? {
        guard let row = try await db.first("SELECT id, name, created_at FROM households WHERE id = ?", id.rawValue)
        else { return nil }
        return try Household(row)
    }

    public func all() async throws -> [Household] {
        try await db.query("SELECT id, name, created_at FROM households ORDER BY created_at, id").map(Household.init)
    }

    public func count() async throws -> Int {
        let row = try await db.first("SELECT COUNT(*) AS n FROM households")
        return Int(try row?.integer("n") ?? 0)
    }

    public func zones(of id: HouseholdID) async throws -> [Zone] {
        try await db.query("SELECT name FROM zones WHERE household_id = ? ORDER BY name", id.rawValue)
            .map { try Zone(try $0.text("name")) }
    }
}

extension Household {
    init(_ row: SQLRow) throws {
        guard let id = HouseholdID(try row.text("id")) else {
            throw HearthError(.storageUnavailable, "a stored household id is malformed")
        }
        try self.init(id: id, name: try row.text("name"), createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }
}
