import struct Foundation.Date
import HearthCore

/// Who belongs to which household, as what, and with which access.
public struct MembershipRecords: Sendable {
    let db: any SQLExecutor

    static let columns = "person_id, household_id, role, \(DeviceAccess.columns), created_at"
    /// The member's columns with the person's, for listings (one query, not one per person).
    static let memberColumns =
        "m.person_id, m.household_id, m.role, m.zones, m.devices, m.starts_at, m.ends_at, m.days, m.hours, m.time_zone, m.created_at AS joined_at, p.id, p.email, p.must_change_password, p.created_at"

    /// Adds a membership; `conflict` if the person already belongs to the household.
    public func insert(_ membership: Membership) async throws {
        do {
            try await db.query(
                "INSERT INTO memberships (\(Self.columns)) VALUES (?, ?, ?, \(DeviceAccess.placeholders), ?)",
                [membership.personID.rawValue.sqlValue, membership.householdID.rawValue.sqlValue, membership.role.rawValue.sqlValue]
                    + membership.access.sqlValues + [membership.createdAt.unixMilliseconds.sqlValue])
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, code: "already-a-member", "that person already belongs to this household")
        }
    }

    public func find(person: PersonID, household: HouseholdID) async throws -> Membership? {
        try await db.first(
            "SELECT \(Self.columns) FROM memberships WHERE person_id = ? AND household_id = ?",
            person.rawValue, household.rawValue
        ).map(Membership.init)
    }

    /// A membership with its household's state, in one primary-key read: what every signed-in
    /// call and every re-check of a live MQTT session needs (no join: SQLite plans joins anew at
    /// every run).
    public func findWithHouseholdState(person: PersonID, household: HouseholdID) async throws -> (Membership, Household.State)? {
        guard let row = try await db.first(
            """
            SELECT \(Self.columns), (SELECT state FROM households WHERE id = ?) AS household_state
            FROM memberships WHERE person_id = ? AND household_id = ?
            """, household.rawValue, person.rawValue, household.rawValue),
            let state = Household.State(rawValue: try row.optionalText("household_state") ?? "")
        else { return nil }
        return (try Membership(row), state)
    }

    /// The person in one household, or nil if they do not belong to it: two primary-key reads,
    /// not a join, since every call with an access token makes it (see `SessionRecords.caller`).
    public func member(_ person: PersonID, in household: HouseholdID) async throws -> Member? {
        guard let membership = try await find(person: person, household: household),
              let account = try await PersonRecords(db: db).find(person)
        else { return nil }
        return Member(person: account, membership: membership)
    }

    /// A household's people, owners first, then by when they joined.
    public func members(of household: HouseholdID) async throws -> [Member] {
        try await db.query(
            """
            SELECT \(Self.memberColumns) FROM memberships m JOIN people p ON p.id = m.person_id
            WHERE m.household_id = ? ORDER BY m.created_at, m.person_id
            """, household.rawValue
        ).map(Member.init).sorted { ($0.role, $0.membership.createdAt) < ($1.role, $1.membership.createdAt) }
    }

    /// The households a person belongs to.
    public func memberships(of person: PersonID) async throws -> [Membership] {
        try await db.query(
            "SELECT \(Self.columns) FROM memberships WHERE person_id = ? ORDER BY created_at, household_id", person.rawValue
        ).map(Membership.init)
    }

    /// Changes a role and its access; `not-found` when the person is not in the household.
    public func update(_ membership: Membership) async throws {
        let updated = try await db.query(
            """
            UPDATE memberships SET role = ?, zones = ?, devices = ?, starts_at = ?, ends_at = ?, days = ?, hours = ?,
            time_zone = ? WHERE person_id = ? AND household_id = ? RETURNING person_id
            """,
            [membership.role.rawValue.sqlValue] + membership.access.sqlValues
                + [membership.personID.rawValue.sqlValue, membership.householdID.rawValue.sqlValue])
        guard !updated.isEmpty else { throw HearthError(.notFound, "that person does not belong to this household") }
    }

    /// Removes a membership; returns whether there was one.
    @discardableResult
    public func delete(person: PersonID, household: HouseholdID) async throws -> Bool {
        !(try await db.query(
            "DELETE FROM memberships WHERE person_id = ? AND household_id = ? RETURNING person_id",
            person.rawValue, household.rawValue)).isEmpty
    }

    public func ownerCount(of household: HouseholdID) async throws -> Int {
        Int(try await db.first(
            "SELECT COUNT(*) AS n FROM memberships WHERE household_id = ? AND role = 'owner'", household.rawValue
        )?.integer("n") ?? 0)
    }

    public func count(of household: HouseholdID) async throws -> Int {
        Int(try await db.first("SELECT COUNT(*) AS n FROM memberships WHERE household_id = ?", household.rawValue)?
            .integer("n") ?? 0)
    }

    /// Memberships whose access period ended at or before `time`: guests whose stay is over.
    public func ended(at time: Date, limit: Int) async throws -> [Membership] {
        try await db.query(
            "SELECT \(Self.columns) FROM memberships WHERE ends_at <= ? ORDER BY ends_at LIMIT ?",
            time.unixMilliseconds, limit
        ).map(Membership.init)
    }
}

extension Membership {
    init(_ row: SQLRow) throws { try self.init(row, createdColumn: "created_at") }

    init(_ row: SQLRow, createdColumn: String) throws {
        guard let person = PersonID(try row.text("person_id")), let household = HouseholdID(try row.text("household_id")),
              let role = Role(rawValue: try row.text("role"))
        else { throw HearthError(.storageUnavailable, "a stored membership is malformed") }
        self.init(
            personID: person, householdID: household, role: role, access: try DeviceAccess(row),
            createdAt: try row.date(createdColumn))
    }
}

extension Member {
    init(_ row: SQLRow) throws {
        self.init(person: try Person(row), membership: try Membership(row, createdColumn: "joined_at"))
    }
}
