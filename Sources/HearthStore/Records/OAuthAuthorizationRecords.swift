import struct Foundation.Date
import HearthCore

/// An authorization code (RFC 6749 §4.1) as stored: its digest and what it will redeem for.
public struct OAuthCodeRecord: Sendable, Hashable {
    public let digest: String
    public let clientID: String
    public let personID: String
    public let householdID: HouseholdID
    public let redirectURI: String
    public let scope: String
    public let codeChallenge: String
    /// RFC 9449 §10: the DPoP key the code is bound to, when the authorization request named one.
    public let dpopJKT: String?
    public let authTime: Date
    public let acr: String?
    public let expiresAt: Date
    public let usedAt: Date?
    /// The grant the code was redeemed for, so a replay can revoke what it issued.
    public let grantID: String?

    public init(
        digest: String, clientID: String, personID: String, householdID: HouseholdID, redirectURI: String, scope: String,
        codeChallenge: String, dpopJKT: String?, authTime: Date, acr: String?, expiresAt: Date, usedAt: Date? = nil,
        grantID: String? = nil
    ) {
        self.digest = digest
        self.clientID = clientID
        self.personID = personID
        self.householdID = householdID
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.dpopJKT = dpopJKT
        self.authTime = authTime
        self.acr = acr
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.grantID = grantID
    }

    static let columns =
        "digest, client_id, person_id, household_id, redirect_uri, scope, code_challenge, dpop_jkt, auth_time, acr, expires_at, used_at, grant_id"

    init(_ row: SQLRow) throws {
        guard let household = HouseholdID(try row.text("household_id")) else {
            throw HearthError(.storageUnavailable, "a stored authorization code record is malformed")
        }
        self.init(
            digest: try row.text("digest"), clientID: try row.text("client_id"), personID: try row.text("person_id"),
            householdID: household, redirectURI: try row.text("redirect_uri"), scope: try row.text("scope"),
            codeChallenge: try row.text("code_challenge"), dpopJKT: try row.optionalText("dpop_jkt"),
            authTime: try row.date("auth_time"), acr: try row.optionalText("acr"), expiresAt: try row.date("expires_at"),
            usedAt: try row.optionalDate("used_at"), grantID: try row.optionalText("grant_id"))
    }
}

/// A device authorization request (RFC 8628) as stored: both codes only as digests.
public struct OAuthDeviceAuthorizationRecord: Sendable, Hashable {
    public enum Status: String, Sendable { case pending, approved, denied }

    public let deviceCodeDigest: String
    public let userCodeDigest: String
    public let clientID: String
    public let scope: String
    public let createdAt: Date
    public let expiresAt: Date
    public let interval: Int
    public let lastPollAt: Date?
    public let status: Status
    public let personID: String?
    public let householdID: HouseholdID?
    public let authTime: Date?
    public let acr: String?

    public init(
        deviceCodeDigest: String, userCodeDigest: String, clientID: String, scope: String, createdAt: Date, expiresAt: Date,
        interval: Int, lastPollAt: Date? = nil, status: Status = .pending, personID: String? = nil,
        householdID: HouseholdID? = nil, authTime: Date? = nil, acr: String? = nil
    ) {
        self.deviceCodeDigest = deviceCodeDigest
        self.userCodeDigest = userCodeDigest
        self.clientID = clientID
        self.scope = scope
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.interval = interval
        self.lastPollAt = lastPollAt
        self.status = status
        self.personID = personID
        self.householdID = householdID
        self.authTime = authTime
        self.acr = acr
    }

    static let columns =
        "device_code_digest, user_code_digest, client_id, scope, created_at, expires_at, interval_seconds, last_poll_at, status, person_id, household_id, auth_time, acr"

    init(_ row: SQLRow) throws {
        guard let status = Status(rawValue: try row.text("status")) else {
            throw HearthError(.storageUnavailable, "a stored device authorization record is malformed")
        }
        self.init(
            deviceCodeDigest: try row.text("device_code_digest"), userCodeDigest: try row.text("user_code_digest"),
            clientID: try row.text("client_id"), scope: try row.text("scope"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), interval: Int(try row.integer("interval_seconds")),
            lastPollAt: try row.optionalDate("last_poll_at"), status: status, personID: try row.optionalText("person_id"),
            householdID: try row.optionalText("household_id").flatMap(HouseholdID.init), authTime: try row.optionalDate("auth_time"),
            acr: try row.optionalText("acr"))
    }
}

/// Authorization codes and device authorizations: short-lived, single-use, stored as digests.
public struct OAuthAuthorizationRecords: Sendable {
    let db: any SQLExecutor

    // MARK: authorization codes

    public func insert(_ code: OAuthCodeRecord) async throws {
        try await db.execute(
            "INSERT INTO oauth_codes (\(OAuthCodeRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            code.digest, code.clientID, code.personID, code.householdID.rawValue, code.redirectURI, code.scope,
            code.codeChallenge, code.dpopJKT, code.authTime.unixMilliseconds, code.acr, code.expiresAt.unixMilliseconds,
            code.usedAt.map(\.unixMilliseconds), code.grantID)
    }

    public func code(digest: String) async throws -> OAuthCodeRecord? {
        try await db.first("SELECT \(OAuthCodeRecord.columns) FROM oauth_codes WHERE digest = ?", digest).map(OAuthCodeRecord.init)
    }

    /// Marks a code used, for the grant it redeems for; false when it was used already.
    public func useCode(digest: String, grant: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE oauth_codes SET used_at = ?, grant_id = ? WHERE digest = ? AND used_at IS NULL RETURNING digest",
            time.unixMilliseconds, grant, digest
        ).isEmpty
    }

    // MARK: device authorizations

    public func insert(_ authorization: OAuthDeviceAuthorizationRecord) async throws {
        try await db.execute(
            "INSERT INTO oauth_device_authorizations (\(OAuthDeviceAuthorizationRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            authorization.deviceCodeDigest, authorization.userCodeDigest, authorization.clientID, authorization.scope,
            authorization.createdAt.unixMilliseconds, authorization.expiresAt.unixMilliseconds, authorization.interval,
            authorization.lastPollAt.map(\.unixMilliseconds), authorization.status.rawValue, authorization.personID,
            authorization.householdID?.rawValue, authorization.authTime.map(\.unixMilliseconds), authorization.acr)
    }

    public func deviceAuthorization(deviceCodeDigest: String) async throws -> OAuthDeviceAuthorizationRecord? {
        try await db.first(
            "SELECT \(OAuthDeviceAuthorizationRecord.columns) FROM oauth_device_authorizations WHERE device_code_digest = ?",
            deviceCodeDigest
        ).map(OAuthDeviceAuthorizationRecord.init)
    }

    public func deviceAuthorization(userCodeDigest: String) async throws -> OAuthDeviceAuthorizationRecord? {
        try await db.first(
            "SELECT \(OAuthDeviceAuthorizationRecord.columns) FROM oauth_device_authorizations WHERE user_code_digest = ?",
            userCodeDigest
        ).map(OAuthDeviceAuthorizationRecord.init)
    }

    /// Records a poll and, when `interval` is given, the interval the client must now keep
    /// (raised after a `slow_down`).
    public func recordPoll(deviceCodeDigest: String, at time: Date, interval: Int? = nil) async throws {
        if let interval {
            try await db.execute(
                "UPDATE oauth_device_authorizations SET last_poll_at = ?, interval_seconds = ? WHERE device_code_digest = ?",
                time.unixMilliseconds, interval, deviceCodeDigest)
        } else {
            try await db.execute(
                "UPDATE oauth_device_authorizations SET last_poll_at = ? WHERE device_code_digest = ?", time.unixMilliseconds,
                deviceCodeDigest)
        }
    }

    /// Approves or denies a pending request; false when it was no longer pending or has expired.
    public func decide(
        userCodeDigest: String, approved: Bool, person: String, household: HouseholdID, authTime: Date, acr: String?,
        at time: Date
    ) async throws -> Bool {
        try await !db.query(
            """
            UPDATE oauth_device_authorizations SET status = ?, person_id = ?, household_id = ?, auth_time = ?, acr = ?
            WHERE user_code_digest = ? AND status = 'pending' AND expires_at > ? RETURNING device_code_digest
            """,
            approved ? "approved" : "denied", person, household.rawValue, authTime.unixMilliseconds, acr, userCodeDigest,
            time.unixMilliseconds
        ).isEmpty
    }

    /// The household's requests still waiting for a person (found through their clients): the
    /// requests a wrong user code typed in that household could have been meant for.
    public func pendingDeviceAuthorizations(
        household: HouseholdID, at time: Date
    ) async throws -> [(deviceCodeDigest: String, clientID: String)] {
        try await db.query(
            """
            SELECT a.device_code_digest, a.client_id FROM oauth_device_authorizations a JOIN oauth_clients c ON c.id = a.client_id
            WHERE c.household_id = ? AND a.status = 'pending' AND a.expires_at > ?
            """,
            household.rawValue, time.unixMilliseconds
        ).map { (try $0.text("device_code_digest"), try $0.text("client_id")) }
    }

    /// Denies a pending request without a person (too many wrong user codes were typed while it
    /// waited); false when it was no longer pending.
    public func cancelDeviceAuthorization(deviceCodeDigest: String) async throws -> Bool {
        try await !db.query(
            """
            UPDATE oauth_device_authorizations SET status = 'denied'
            WHERE device_code_digest = ? AND status = 'pending' RETURNING device_code_digest
            """,
            deviceCodeDigest
        ).isEmpty
    }

    /// Deletes a request once its token was collected (or its denial told); false when it was
    /// gone already, so two concurrent polls cannot both collect.
    public func deleteDeviceAuthorization(deviceCodeDigest: String) async throws -> Bool {
        try await !db.query(
            "DELETE FROM oauth_device_authorizations WHERE device_code_digest = ? RETURNING device_code_digest",
            deviceCodeDigest
        ).isEmpty
    }

    /// Removes expired device requests and codes that can no longer be redeemed. Used codes are
    /// kept until then, so a replay within their life is still recognized.
    public func sweep(before time: Date) async throws {
        try await db.execute("DELETE FROM oauth_device_authorizations WHERE expires_at <= ?", time.unixMilliseconds)
        // A code lives minutes; a day later nobody replays it usefully.
        try await db.execute("DELETE FROM oauth_codes WHERE expires_at <= ?", time.unixMilliseconds - 86_400_000)
    }
}
