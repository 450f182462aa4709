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

    static let columns = "id, name, state, created_at"

    public func find(_ id: HouseholdID) async throws -> Household? {
        guard let row = try await db.first("SELECT \(Self.columns) FROM households WHERE id = ?", id.rawValue)
        else { return nil }
        return try Household(row)
    }

    /// Every household that was not deleted, oldest first.
    public func all() async throws -> [Household] {
        try await db.query(
            "SELECT \(Self.columns) FROM households WHERE state <> 'deleted' ORDER BY created_at, id"
        ).map(Household.init)
    }

    /// How many households there are that were not deleted.
    public func count() async throws -> Int {
        let row = try await db.first("SELECT COUNT(*) AS n FROM households WHERE state <> 'deleted'")
        return Int(try row?.integer("n") ?? 0)
    }

    /// How many households are in each state (deleted ones included, as tombstones).
    public func countsByState() async throws -> [Household.State: Int] {
        var counts: [Household.State: Int] = [:]
        for row in try await db.query("SELECT state, COUNT(*) AS n FROM households GROUP BY state") {
            if let state = Household.State(rawValue: try row.text("state")) { counts[state] = Int(try row.integer("n")) }
        }
        return counts
    }

    /// Moves a household to `state`; a deleted household also loses its name.
    public func setState(_ id: HouseholdID, _ state: Household.State, at time: Date) async throws {
        let name: String? = state == .deleted ? "deleted" : nil
        let updated = try await db.query(
            "UPDATE households SET state = ?, state_changed_at = ?, name = COALESCE(?, name) WHERE id = ? RETURNING id",
            state.rawValue, time.unixMilliseconds, name, id.rawValue)
        guard !updated.isEmpty else { throw HearthError(.notFound, "no such household") }
    }

    /// Erases what a deleted household held (its people's places, invitations, sessions, pairing
    /// state, MQTT sessions and retained messages, pending OAuth requests); its devices are kept
    /// as decommissioned, nameless rows, since certificates and the audit log name them. Returns
    /// the people who belonged to it.
    public func erase(_ id: HouseholdID, at time: Date) async throws -> [PersonID] {
        let household = id.rawValue
        let people = try await db.query("SELECT person_id FROM memberships WHERE household_id = ?", household)
            .compactMap { PersonID(try $0.text("person_id")) }
        try await db.execute(
            "DELETE FROM mqtt_queued WHERE session_key IN (SELECT session_key FROM mqtt_sessions WHERE household_id = ?)",
            household)
        for table in [
            "mqtt_sessions", "mqtt_retained", "pairing_windows", "pairing_requests", "pairing_expectations",
            "attested_expectations", "oauth_codes", "oauth_device_authorizations", "invitations", "sessions", "memberships",
            "posture_rules", "oauth_grant_scope_use",
        ] {
            try await db.execute("DELETE FROM \(table) WHERE household_id = ?", household)
        }
        try await db.execute("DELETE FROM device_transfers WHERE from_household = ? OR to_household = ?", household, household)
        try await db.execute(
            "DELETE FROM device_firmware WHERE device_id IN (SELECT id FROM devices WHERE household_id = ?)", household)
        try await db.execute(
            "UPDATE devices SET state = 'decommissioned', name = 'deleted', updated_at = ? WHERE household_id = ?",
            time.unixMilliseconds, household)
        return people
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
        guard let state = State(rawValue: try row.text("state")) else {
            throw HearthError(.storageUnavailable, "a stored household state is malformed")
        }
        try self.init(
            id: id, name: try row.text("name"), state: state, createdAt: Date(unixMilliseconds: try row.integer("created_at")))
    }
}
