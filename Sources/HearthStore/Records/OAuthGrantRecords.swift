import struct Foundation.Date
import HearthCore

/// What a subject (a person or a device) granted a client: scopes, when, how strongly the person
/// signed in. A grant is the family of every refresh and access token issued under it, so revoking
/// it ends them all at once.
public struct OAuthGrantRecord: Sendable, Hashable {
    public let id: String
    public let householdID: HouseholdID
    public let clientID: String
    /// `person:<id>` or `device:<id>`.
    public let subject: String
    public let scope: String
    public let authTime: Date
    /// `mfa` when the person proved a second factor.
    public let acr: String?
    public let createdAt: Date
    /// The family's absolute lifetime: no refresh past it.
    public let expiresAt: Date
    public let lastUsedAt: Date
    public let revokedAt: Date?
    public let revokedReason: String?

    public init(
        id: String, householdID: HouseholdID, clientID: String, subject: String, scope: String, authTime: Date,
        acr: String?, createdAt: Date, expiresAt: Date, lastUsedAt: Date, revokedAt: Date? = nil,
        revokedReason: String? = nil
    ) {
        self.id = id
        self.householdID = householdID
        self.clientID = clientID
        self.subject = subject
        self.scope = scope
        self.authTime = authTime
        self.acr = acr
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
    }

    static let columns =
        "id, household_id, client_id, subject, scope, auth_time, acr, created_at, expires_at, last_used_at, revoked_at, revoked_reason"

    init(_ row: SQLRow) throws {
        guard let household = HouseholdID(try row.text("household_id")) else {
            throw HearthError(.storageUnavailable, "a stored OAuth grant record is malformed")
        }
        self.init(
            id: try row.text("id"), householdID: household, clientID: try row.text("client_id"),
            subject: try row.text("subject"), scope: try row.text("scope"), authTime: try row.date("auth_time"),
            acr: try row.optionalText("acr"), createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"),
            lastUsedAt: try row.date("last_used_at"), revokedAt: try row.optionalDate("revoked_at"),
            revokedReason: try row.optionalText("revoked_reason"))
    }
}

/// A stored access token: enough to answer introspection and to revoke it (the JWT itself is
/// never stored).
public struct OAuthAccessTokenRecord: Sendable, Hashable {
    public let jti: String
    public let grantID: String?
    public let clientID: String
    public let householdID: HouseholdID
    public let subject: String
    public let expiresAt: Date

    public init(jti: String, grantID: String?, clientID: String, householdID: HouseholdID, subject: String, expiresAt: Date) {
        self.jti = jti
        self.grantID = grantID
        self.clientID = clientID
        self.householdID = householdID
        self.subject = subject
        self.expiresAt = expiresAt
    }
}

/// A refresh token's stored form: its digest, its family and whether it was used.
public struct OAuthRefreshTokenRecord: Sendable, Hashable {
    public let digest: String
    public let grantID: String
    /// The DPoP key a public client's refresh token is bound to (RFC 9449 §5).
    public let jkt: String?
    public let createdAt: Date
    public let usedAt: Date?
}

public struct OAuthGrantRecords: Sendable {
    let db: any SQLExecutor

    // MARK: grants

    public func insert(_ grant: OAuthGrantRecord) async throws {
        try await db.execute(
            "INSERT INTO oauth_grants (\(OAuthGrantRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            grant.id, grant.householdID.rawValue, grant.clientID, grant.subject, grant.scope,
            grant.authTime.unixMilliseconds, grant.acr, grant.createdAt.unixMilliseconds,
            grant.expiresAt.unixMilliseconds, grant.lastUsedAt.unixMilliseconds,
            grant.revokedAt.map(\.unixMilliseconds), grant.revokedReason)
    }

    public func find(_ id: String) async throws -> OAuthGrantRecord? {
        try await db.first("SELECT \(OAuthGrantRecord.columns) FROM oauth_grants WHERE id = ?", id).map(OAuthGrantRecord.init)
    }

    /// A household's grants, newest first; revoked ones only when asked.
    public func all(in household: HouseholdID, includingRevoked: Bool = false) async throws -> [OAuthGrantRecord] {
        try await db.query(
            "SELECT \(OAuthGrantRecord.columns) FROM oauth_grants WHERE household_id = ?"
                + (includingRevoked ? "" : " AND revoked_at IS NULL") + " ORDER BY created_at DESC, id",
            household.rawValue
        ).map(OAuthGrantRecord.init)
    }

    /// The live grants (not revoked, not ended at `now`) of every active household that hold `scope`.
    public func live(holding scope: String, at now: Date) async throws -> [OAuthGrantRecord] {
        // The scope is space-separated tokens: padded with spaces, a token matches only whole.
        try await db.query(
            "SELECT \(OAuthGrantRecord.columns) FROM oauth_grants WHERE revoked_at IS NULL AND expires_at > ? AND (' ' || scope || ' ') LIKE ?"
                + " AND household_id IN (SELECT id FROM households WHERE state = 'active')",
            now.unixMilliseconds, "% \(scope) %"
        ).map(OAuthGrantRecord.init)
    }

    /// Moves a live grant's end to `time` when that is later; false when the grant is not live.
    public func extend(_ id: String, until time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE oauth_grants SET expires_at = CASE WHEN expires_at < ? THEN ? ELSE expires_at END WHERE id = ? AND revoked_at IS NULL RETURNING id",
            time.unixMilliseconds, time.unixMilliseconds, id
        ).isEmpty
    }

    public func touch(_ id: String, at time: Date) async throws {
        try await db.execute("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?", time.unixMilliseconds, id)
    }

    /// Revokes a grant and every access token of it; false when it was revoked already.
    @discardableResult
    public func revoke(_ id: String, reason: String, at time: Date) async throws -> Bool {
        let revoked = try await !db.query(
            "UPDATE oauth_grants SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
            time.unixMilliseconds, reason, id
        ).isEmpty
        try await db.execute(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL",
            time.unixMilliseconds, id)
        try await AccessChangeRecords(db: db).bump()
        return revoked
    }

    /// Revokes every live grant and token of a client; returns the grants' ids.
    public func revokeAll(client: String, reason: String, at time: Date) async throws -> [String] {
        let ids = try await db.query("SELECT id FROM oauth_grants WHERE client_id = ? AND revoked_at IS NULL", client)
            .map { try $0.text("id") }
        for id in ids { try await revoke(id, reason: reason, at: time) }
        // Client-credentials and exchanged tokens have no grant.
        try await db.execute(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL", time.unixMilliseconds,
            client)
        try await AccessChangeRecords(db: db).bump()
        return ids
    }

    /// Revokes every live token whose subject is the device (its client-credentials tokens and
    /// the tokens a gateway obtained for it) or whose actor is the device (every token of an OAuth
    /// client bound to it: a gateway's own and those it exchanged for the devices behind it), and
    /// the grants either holds; returns how many tokens.
    @discardableResult
    public func revokeAll(device: DeviceID, reason: String, at time: Date) async throws -> Int {
        for id in try await db.query(
            """
            SELECT id FROM oauth_grants WHERE revoked_at IS NULL
            AND (subject = ? OR client_id IN (SELECT id FROM oauth_clients WHERE device_id = ?))
            """, "device:\(device.rawValue)", device.rawValue
        ).map({ try $0.text("id") }) {
            try await revoke(id, reason: reason, at: time)
        }
        let count = try await db.query(
            """
            UPDATE oauth_access_tokens SET revoked_at = ? WHERE revoked_at IS NULL
            AND (subject = ? OR client_id IN (SELECT id FROM oauth_clients WHERE device_id = ?)) RETURNING jti
            """, time.unixMilliseconds, device.rawValue, device.rawValue
        ).count
        try await AccessChangeRecords(db: db).bump()
        return count
    }

    /// Revokes every live grant and token a person holds in one household (they were removed,
    /// their role changed or their access ended); returns how many tokens.
    @discardableResult
    public func revokeAll(person: PersonID, in household: HouseholdID, reason: String, at time: Date) async throws -> Int {
        for id in try await db.query(
            "SELECT id FROM oauth_grants WHERE revoked_at IS NULL AND subject = ? AND household_id = ?",
            "person:\(person.rawValue)", household.rawValue
        ).map({ try $0.text("id") }) {
            try await revoke(id, reason: reason, at: time)
        }
        let count = try await db.query(
            """
            UPDATE oauth_access_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND subject = ? AND household_id = ?
            RETURNING jti
            """, time.unixMilliseconds, person.rawValue, household.rawValue
        ).count
        try await AccessChangeRecords(db: db).bump()
        return count
    }

    /// Revokes every live grant, token and client of a household (deleted); returns how many tokens.
    @discardableResult
    public func revokeAll(household: HouseholdID, reason: String, at time: Date) async throws -> Int {
        for id in try await db.query(
            "SELECT id FROM oauth_grants WHERE revoked_at IS NULL AND household_id = ?", household.rawValue
        ).map({ try $0.text("id") }) {
            try await revoke(id, reason: reason, at: time)
        }
        let count = try await db.query(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND household_id = ? RETURNING jti",
            time.unixMilliseconds, household.rawValue
        ).count
        try await db.execute(
            "UPDATE oauth_clients SET revoked_at = ? WHERE revoked_at IS NULL AND household_id = ?",
            time.unixMilliseconds, household.rawValue)
        try await AccessChangeRecords(db: db).bump()
        return count
    }

    // MARK: refresh tokens

    public func insertRefreshToken(digest: String, grant: String, jkt: String?, at time: Date) async throws {
        try await db.execute(
            "INSERT INTO oauth_refresh_tokens (digest, grant_id, jkt, created_at) VALUES (?, ?, ?, ?)", digest, grant, jkt,
            time.unixMilliseconds)
    }

    public func refreshToken(digest: String) async throws -> OAuthRefreshTokenRecord? {
        try await db.first(
            "SELECT digest, grant_id, jkt, created_at, used_at FROM oauth_refresh_tokens WHERE digest = ?", digest
        ).map { row in
            OAuthRefreshTokenRecord(
                digest: try row.text("digest"), grantID: try row.text("grant_id"), jkt: try row.optionalText("jkt"),
                createdAt: try row.date("created_at"), usedAt: try row.optionalDate("used_at"))
        }
    }

    /// Marks a refresh token used; false when it was used already (a replay, or a concurrent use).
    public func useRefreshToken(digest: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE oauth_refresh_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL RETURNING digest",
            time.unixMilliseconds, digest
        ).isEmpty
    }

    // MARK: access tokens

    public func insertAccessToken(_ token: OAuthAccessTokenRecord) async throws {
        try await insertAccessTokens([token])
    }

    /// Inserts access-token records, several per statement (a group commit's batch).
    public func insertAccessTokens(_ tokens: [OAuthAccessTokenRecord]) async throws {
        for chunk in tokens.chunked(100) {
            _ = try await db.query(
                "INSERT INTO oauth_access_tokens (jti, grant_id, client_id, household_id, subject, expires_at) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "),
                chunk.flatMap { token -> [SQLValue] in
                    [
                        .text(token.jti), token.grantID.sqlValue, .text(token.clientID), .text(token.householdID.rawValue),
                        .text(token.subject), .integer(token.expiresAt.unixMilliseconds),
                    ]
                })
        }
    }

    /// Whether a token is live at `time`: stored, not revoked, not expired, and its grant and
    /// client not revoked (one query; introspection makes it on every call). Scalar subqueries
    /// rather than joins: SQLite compiled a join (or an EXISTS, which it plans as one) anew at
    /// every run. A token without a grant, or whose grant row is gone, has no grant to revoke it.
    public func isAccessTokenActive(jti: String, at time: Date) async throws -> Bool {
        try await db.first(
            """
            SELECT t.jti FROM oauth_access_tokens t
            WHERE t.jti = ? AND t.revoked_at IS NULL AND t.expires_at > ?
              AND (SELECT c.revoked_at IS NULL FROM oauth_clients c WHERE c.id = t.client_id) IS TRUE
              AND (SELECT g.revoked_at IS NULL FROM oauth_grants g WHERE g.id = t.grant_id) IS NOT FALSE
            """,
            jti, time.unixMilliseconds
        ) != nil
    }

    public func accessToken(jti: String) async throws -> OAuthAccessTokenRecord? {
        try await db.first(
            "SELECT jti, grant_id, client_id, household_id, subject, expires_at FROM oauth_access_tokens WHERE jti = ?", jti
        ).map { row in
            guard let household = HouseholdID(try row.text("household_id")) else {
                throw HearthError(.storageUnavailable, "a stored access token record is malformed")
            }
            return OAuthAccessTokenRecord(
                jti: try row.text("jti"), grantID: try row.optionalText("grant_id"), clientID: try row.text("client_id"),
                householdID: household, subject: try row.text("subject"), expiresAt: try row.date("expires_at"))
        }
    }

    /// Revokes one access token; false when it was revoked already or is unknown.
    @discardableResult
    public func revokeAccessToken(jti: String, at time: Date) async throws -> Bool {
        let revoked = try await !db.query(
            "UPDATE oauth_access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL RETURNING jti",
            time.unixMilliseconds, jti
        ).isEmpty
        try await AccessChangeRecords(db: db).bump()
        return revoked
    }

    /// Notes that the grant's tokens were used for `scopes` by `time` (a later note wins).
    public func noteScopeUse(grant: String, household: HouseholdID, scopes: Set<String>, at time: Date) async throws {
        for scope in scopes.sorted() {
            try await db.execute(
                """
                INSERT INTO oauth_grant_scope_use (grant_id, household_id, scope, last_used_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (grant_id, scope) DO UPDATE SET last_used_at = excluded.last_used_at
                WHERE excluded.last_used_at > oauth_grant_scope_use.last_used_at
                """,
                grant, household.rawValue, scope, time.unixMilliseconds)
        }
    }

    /// Since when scope use is recorded: the migration that began it (grants older than that
    /// were used before anything was noted).
    public func scopeUseRecordedSince() async throws -> Date? {
        try await db.first("SELECT applied_at FROM schema_migrations WHERE version = ?", Int64(Schema.version25.version))
            .map { try $0.date("applied_at") }
    }

    /// When each scope of the grant was last used; a scope never used is absent.
    public func scopeUse(grant: String) async throws -> [String: Date] {
        var used: [String: Date] = [:]
        for row in try await db.query("SELECT scope, last_used_at FROM oauth_grant_scope_use WHERE grant_id = ?", grant) {
            used[try row.text("scope")] = try row.date("last_used_at")
        }
        return used
    }

    /// Records a DPoP proof (its key's thumbprint and `jti`) until it can no longer be accepted;
    /// false when any node recorded it before (a replay).
    public func useDPoPProof(jkt: String, jti: String, until: Date) async throws -> Bool {
        // ON CONFLICT rather than catching the violation: on PostgreSQL a failed statement
        // would abort the whole transaction.
        try await !db.query(
            "INSERT INTO dpop_used_proofs (jkt, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING jti",
            jkt, jti, until.unixMilliseconds
        ).isEmpty
    }

    /// Deletes access tokens expired before `time`, refresh tokens of grants that ended and DPoP
    /// proofs past their window.
    public func sweep(before time: Date) async throws {
        try await db.execute("DELETE FROM dpop_used_proofs WHERE expires_at <= ?", time.unixMilliseconds)
        try await db.execute("DELETE FROM oauth_access_tokens WHERE expires_at <= ?", time.unixMilliseconds)
        try await db.execute(
            "DELETE FROM oauth_refresh_tokens WHERE grant_id IN (SELECT id FROM oauth_grants WHERE expires_at <= ?)",
            time.unixMilliseconds)
    }
}
