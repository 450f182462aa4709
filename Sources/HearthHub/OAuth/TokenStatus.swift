import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// Introspection (RFC 7662) for confidential clients of the same household, and revocation
/// (RFC 7009) for the client a token was issued to. A revoked token is inactive at once: the
/// answer comes from the store, not from the token's signature alone.
extension AuthorizationServer {
    /// What introspection answers (RFC 7662 §2.2): `{"active": false}` tells nothing more.
    package enum Introspection: Encodable, Sendable {
        case inactive
        case refreshToken(RefreshIntrospection)
        case accessToken(AccessIntrospection)

        package func encode(to encoder: any Encoder) throws {
            switch self {
            case .inactive: try ["active": false].encode(to: encoder)
            case .refreshToken(let token): try token.encode(to: encoder)
            case .accessToken(let token): try token.encode(to: encoder)
            }
        }
    }

    package func introspect(_ form: OAuthForm, _ call: CallContext) async throws -> Introspection {
        let caller = try await authenticateClient(form, call, endpoint: "/oauth/introspect")
        guard caller.isConfidential else {
            throw OAuthError(.unauthorizedClient, "introspection is for confidential clients (resource servers)")
        }
        let token = try form.required("token")
        let inactive = Introspection.inactive
        guard token.utf8.count <= 8192 else { return inactive }
        if token.hasPrefix(Self.refreshPrefix) {
            let at = now
            let found = try await store.read { db -> (OAuthRefreshTokenRecord, OAuthGrantRecord)? in
                guard let record = try await db.oauthGrants.refreshToken(digest: SecretToken.digest(of: token)),
                      let grant = try await db.oauthGrants.find(record.grantID)
                else { return nil }
                return (record, grant)
            }
            guard let (record, grant) = found, record.usedAt == nil, grant.revokedAt == nil, grant.expiresAt > at,
                  grant.householdID == caller.record.householdID
            else { return inactive }
            return .refreshToken(RefreshIntrospection(
                active: true, clientID: grant.clientID, scope: grant.scope, exp: Int(grant.expiresAt.timeIntervalSince1970),
                tokenType: "refresh_token"))
        }
        guard let claims = try? await keyring.current().verify(token, issuer: issuer.url, audience: issuer.url, now: now) else {
            return inactive
        }
        let at = now
        let stored = try await store.read { db -> OAuthAccessTokenRecord? in
            guard try await db.oauthGrants.isAccessTokenActive(jti: claims.jti, at: at) else { return nil }
            if let thumbprint = claims.cnf?.x5tS256,
               try await !Self.boundCertificateIsLive(thumbprint, clientID: claims.clientID, at: at, db)
            {
                return nil
            }
            return try await db.oauthGrants.accessToken(jti: claims.jti)
        }
        guard let stored, stored.householdID == caller.record.householdID else { return inactive }
        return .accessToken(AccessIntrospection(claims: claims))
    }

    /// A certificate-bound token (RFC 8705) is worth no more than its certificate: a resource
    /// server that trusts introspection, and does not see the TLS handshake the hub refuses,
    /// must hear `active: false` once the certificate is revoked or expired.
    private static func boundCertificateIsLive(
        _ thumbprint: String, clientID: String, at now: Date, _ db: StoreSession
    ) async throws -> Bool {
        guard let uri = try await db.oauthClients.find(clientID)?.tlsSANURI else { return false }
        return try await db.pki.certificates(uri: uri).contains { record in
            record.status == .valid && record.notAfter > now && certificateThumbprint(der: record.certificateDER) == thumbprint
        }
    }

    /// Revokes the token if it is the caller's; an unknown, expired or foreign token is answered
    /// the same way (RFC 7009 §2.2).
    package func revoke(_ form: OAuthForm, _ call: CallContext) async throws {
        let caller = try await authenticateClient(form, call, endpoint: "/oauth/revoke")
        let token = try form.required("token")
        guard token.utf8.count <= 8192 else { return }
        if token.hasPrefix(Self.refreshPrefix) {
            try await store.write { db in
                guard let record = try await db.oauthGrants.refreshToken(digest: SecretToken.digest(of: token)),
                      let grant = try await db.oauthGrants.find(record.grantID), grant.clientID == caller.record.id,
                      try await db.oauthGrants.revoke(grant.id, reason: "revoked by the client", at: db.clock.now)
                else { return }
                try await db.audit.append(AuditEvent(
                    .oauthGrantRevoked, actor: AuditActor(.client, caller.record.id), subject: "grant:\(grant.id)",
                    household: grant.householdID, reason: "refresh token revoked by the client (RFC 7009)"))
            }
            return
        }
        // An expired or foreign token is answered the same way: RFC 7009 §2.2.
        guard let claims = try? await keyring.current().verify(token, issuer: issuer.url, audience: issuer.url, now: now),
              claims.clientID == caller.record.id
        else { return }
        try await store.write { db in
            guard let stored = try await db.oauthGrants.accessToken(jti: claims.jti),
                  try await db.oauthGrants.revokeAccessToken(jti: claims.jti, at: db.clock.now)
            else { return }
            try await db.audit.append(AuditEvent(
                .oauthTokenRevoked, actor: AuditActor(.client, caller.record.id), subject: "token:\(claims.jti)",
                household: stored.householdID, reason: "access token revoked by the client (RFC 7009)"))
        }
    }

    package struct RefreshIntrospection: Encodable, Sendable {
        package let active: Bool
        package let clientID: String
        package let scope: String
        package let exp: Int
        package let tokenType: String

        package enum CodingKeys: String, CodingKey {
            case active, scope, exp
            case clientID = "client_id"
            case tokenType = "token_type"
        }
    }

    package struct AccessIntrospection: Encodable, Sendable {
        package let claims: AccessTokenClaims

        package func encode(to encoder: any Encoder) throws {
            try claims.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(true, forKey: .active)
            try container.encode(claims.cnf?.jkt != nil ? "DPoP" : "Bearer", forKey: .tokenType)
        }

        package enum Keys: String, CodingKey {
            case active
            case tokenType = "token_type"
        }
    }
}
