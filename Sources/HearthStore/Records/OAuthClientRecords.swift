import struct Foundation.Date
import HearthCore

/// A registered OAuth client (RFC 7591's metadata, trimmed to what the hub supports).
public struct OAuthClientRecord: Sendable, Hashable {
    /// `token_endpoint_auth_method`: public apps prove nothing but PKCE; confidential clients
    /// sign an assertion (RFC 7523) or present a hub-issued certificate (RFC 8705).
    public enum AuthMethod: String, Sendable, CaseIterable {
        case none
        case privateKeyJWT = "private_key_jwt"
        case tlsClientAuth = "tls_client_auth"
    }

    public let id: String
    public let householdID: HouseholdID
    public let name: String
    public let authMethod: AuthMethod
    public let redirectURIs: [String]
    public let grantTypes: [String]
    /// The most a token of this client may carry.
    public let scope: String
    /// The public keys of a `private_key_jwt` client, as a JWK Set (JSON).
    public let jwks: String?
    /// For `tls_client_auth`: the SAN URI the certificate must carry (`tls_client_auth_san_uri`).
    public let tlsSANURI: String?
    /// The device or gateway a certificate-authenticated client speaks for.
    public let deviceID: String?
    public let createdBy: String
    public let createdAt: Date
    public let revokedAt: Date?

    public init(
        id: String, householdID: HouseholdID, name: String, authMethod: AuthMethod, redirectURIs: [String],
        grantTypes: [String], scope: String, jwks: String?, tlsSANURI: String?, deviceID: String?,
        createdBy: String, createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.householdID = householdID
        self.name = name
        self.authMethod = authMethod
        self.redirectURIs = redirectURIs
        self.grantTypes = grantTypes
        self.scope = scope
        self.jwks = jwks
        self.tlsSANURI = tlsSANURI
        self.deviceID = deviceID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    static let columns =
        "id, household_id, name, auth_method, redirect_uris, grant_types, scope, jwks, tls_san_uri, device_id, created_by, created_at, revoked_at"

    init(_ row: SQLRow) throws {
        guard let household = HouseholdID(try row.text("household_id")),
              let method = AuthMethod(rawValue: try row.text("auth_method"))
        else { throw HearthError(.storageUnavailable, "a stored OAuth client record is malformed") }
        self.init(
            id: try row.text("id"), householdID: household, name: try row.text("name"), authMethod: method,
            redirectURIs: try row.text("redirect_uris").split(separator: "\n").map(String.init),
            grantTypes: try row.text("grant_types").split(separator: " ").map(String.init),
            scope: try row.text("scope"), jwks: try row.optionalText("jwks"), tlsSANURI: try row.optionalText("tls_san_uri"),
            deviceID: try row.optionalText("device_id"), createdBy: try row.text("created_by"),
            createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    var sqlValues: [SQLValue] {
        [
            .text(id), .text(householdID.rawValue), .text(name), .text(authMethod.rawValue),
            .text(redirectURIs.joined(separator: "\n")), .text(grantTypes.joined(separator: " ")), .text(scope),
            jwks.sqlValue, tlsSANURI.sqlValue, deviceID.sqlValue, .text(createdBy), .integer(createdAt.unixMilliseconds),
            revokedAt.map { .integer($0.unixMilliseconds) } ?? .null,
        ]
    }
}

public struct OAuthClientRecords: Sendable {
    let db: any SQLExecutor

    public func insert(_ client: OAuthClientRecord) async throws {
        _ = try await db.query(
            "INSERT INTO oauth_clients (\(OAuthClientRecord.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            client.sqlValues)
    }

    public func find(_ id: String) async throws -> OAuthClientRecord? {
        try await db.first("SELECT \(OAuthClientRecord.columns) FROM oauth_clients WHERE id = ?", id)
            .map(OAuthClientRecord.init)
    }

    public func all(in household: HouseholdID) async throws -> [OAuthClientRecord] {
        try await db.query(
            "SELECT \(OAuthClientRecord.columns) FROM oauth_clients WHERE household_id = ? ORDER BY created_at, id",
            household.rawValue
        ).map(OAuthClientRecord.init)
    }

    /// Marks a client revoked; false when it was revoked already or does not exist.
    public func revoke(_ id: String, at time: Date) async throws -> Bool {
        let revoked = try await !db.query(
            "UPDATE oauth_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
            time.unixMilliseconds, id
        ).isEmpty
        try await AccessChangeRecords(db: db).bump()
        return revoked
    }

    /// Records a `private_key_jwt` assertion's `jti`; false when the client used it before
    /// (a replayed assertion).
    public func useAssertion(client: String, jti: String, expiresAt: Date) async throws -> Bool {
        // ON CONFLICT rather than catching the violation: on PostgreSQL a failed statement
        // would abort the whole transaction.
        try await !db.query(
            "INSERT INTO oauth_used_assertions (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING jti",
            client, jti, expiresAt.unixMilliseconds
        ).isEmpty
    }

    public func sweepAssertions(before time: Date) async throws {
        try await db.execute("DELETE FROM oauth_used_assertions WHERE expires_at <= ?", time.unixMilliseconds)
    }
}
