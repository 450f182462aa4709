import struct Foundation.Date
import HearthCore

/// Invitations, found by the digest of their code.
public struct InvitationRecords: Sendable {
    let db: any SQLExecutor

    public struct Stored: Sendable, Hashable {
        public let invitation: Invitation
        public let acceptedAt: Date?
        public let acceptedBy: PersonID?
        public let revokedAt: Date?

        public func status(at now: Date) -> Invitation.Status {
            if acceptedAt != nil { return .accepted }
            if revokedAt != nil { return .revoked }
            return now >= invitation.expiresAt ? .expired : .open
        }
    }

    static let columns =
        "id, household_id, email, role, \(DeviceAccess.columns), invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at"

    public func insert(_ invitation: Invitation, digest: String) async throws {
        _ = try await db.query(
            """
            INSERT INTO invitations (id, digest, household_id, email, role, \(DeviceAccess.columns), invited_by, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, \(DeviceAccess.placeholders), ?, ?, ?)
            """,
            [invitation.id.rawValue.sqlValue, digest.sqlValue, invitation.householdID.rawValue.sqlValue,
             invitation.email?.rawValue.sqlValue ?? .null, invitation.role.rawValue.sqlValue]
                + invitation.access.sqlValues
                + [invitation.invitedBy.sqlValue, invitation.createdAt.unixMilliseconds.sqlValue,
                   invitation.expiresAt.unixMilliseconds.sqlValue])
    }

    public func find(digest: String) async throws -> Stored? {
        try await db.first("SELECT \(Self.columns) FROM invitations WHERE digest = ?", digest).map(Stored.init)
    }

    public func find(_ id: InvitationID) async throws -> Stored? {
        try await db.first("SELECT \(Self.columns) FROM invitations WHERE id = ?", id.rawValue).map(Stored.init)
    }

    public func all(in household: HouseholdID) async throws -> [Stored] {
        try await db.query(
            "SELECT \(Self.columns) FROM invitations WHERE household_id = ? ORDER BY created_at DESC, id", household.rawValue
        ).map(Stored.init)
    }

    /// Marks an open invitation accepted; false when it was no longer open (used, revoked or
    /// expired), so two acceptances racing for one code cannot both win.
    public func accept(_ id: InvitationID, by person: PersonID, at now: Date) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE invitations SET accepted_at = ?, accepted_by = ?
            WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING id
            """, now.unixMilliseconds, person.rawValue, id.rawValue, now.unixMilliseconds)).isEmpty
    }

    /// Revokes an open invitation of `household`; false when there was none open.
    public func revoke(_ id: InvitationID, in household: HouseholdID, at now: Date) async throws -> Bool {
        !(try await db.query(
            """
            UPDATE invitations SET revoked_at = ?
            WHERE id = ? AND household_id = ? AND accepted_at IS NULL AND revoked_at IS NULL RETURNING id
            """, now.unixMilliseconds, id.rawValue, household.rawValue)).isEmpty
    }

    /// Erases a deleted household's invitations.
    public func deleteAll(in household: HouseholdID) async throws {
        try await db.execute("DELETE FROM invitations WHERE household_id = ?", household.rawValue)
    }
}

extension InvitationRecords.Stored {
    init(_ row: SQLRow) throws {
        let malformed = HearthError(.storageUnavailable, "a stored invitation is malformed")
        guard let id = InvitationID(try row.text("id")), let household = HouseholdID(try row.text("household_id")),
              let role = Role(rawValue: try row.text("role"))
        else { throw malformed }
        let created = try row.date("created_at")
        // Stored before the checks of today could change: read without validating the access again.
        invitation = Invitation(
            stored: id, householdID: household, email: try row.optionalText("email").map(EmailAddress.init), role: role,
            access: try DeviceAccess(row), invitedBy: try row.text("invited_by"), createdAt: created,
            expiresAt: try row.date("expires_at"))
        acceptedAt = try row.optionalDate("accepted_at")
        acceptedBy = try row.optionalText("accepted_by").flatMap(PersonID.init)
        revokedAt = try row.optionalDate("revoked_at")
    }
}
