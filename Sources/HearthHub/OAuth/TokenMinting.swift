import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthOAuth
import HearthStore

/// What a grant decided to issue: for whom, which scopes, bound to which key, in which family.
package struct TokenPlan: Sendable {
    package var client: OAuthClientRecord
    /// The JWT `sub`: a person's or a device's id.
    package var subject: String
    package var household: HouseholdID
    package var scope: ScopeSet
    /// The refresh family; nil for client credentials and token exchange (no refresh token).
    package var grantID: String?
    /// RFC 9449: the DPoP key's thumbprint, or RFC 8705: the certificate's.
    package var jkt: String?
    package var x5t: String?
    /// RFC 8693 `act`: the gateway acting for the subject.
    package var actorSubject: String?
    package var authTime: Date?
    package var acr: String?
    package var lifetime: Int
    package var withRefreshToken: Bool
    package var grantType: String
    package var issuedTokenType: String?
}

/// What one issuance stores: the grant's own changes, the access token's record, the refresh
/// token's digest and the audit entry.
package struct TokenRecords: Sendable {
    package let work: @Sendable (StoreSession) async throws -> Void
    package let accessToken: OAuthAccessTokenRecord
    package let refreshToken: (digest: String, grant: String, jkt: String?, at: Date)?
    package let event: AuditEvent

    /// Records a group commit's batch: each issuance's own changes in order, then the records
    /// and audit entries of all of them in a few statements.
    package static func commit(_ batch: [TokenRecords], in db: StoreSession) async throws -> [Result<Void, any Error>] {
        for item in batch { try await item.work(db) }
        try await db.oauthGrants.insertAccessTokens(batch.map(\.accessToken))
        for case let (digest, grant, jkt, at)? in batch.map(\.refreshToken) {
            try await db.oauthGrants.insertRefreshToken(digest: digest, grant: grant, jkt: jkt, at: at)
        }
        try await db.audit.append(batch.map(\.event))
        return batch.map { _ in .success(()) }
    }
}

extension AuthorizationServer {
    package static let refreshPrefix = "hrt_"

    /// Issues what the plan says. The access token's record, the refresh token's digest, the
    /// grant's own changes (`work`) and the audit entry commit in one transaction before anything
    /// is signed or returned: an acknowledged token survives a crash, and none exists that the
    /// log does not show.
    package func issue(
        _ plan: TokenPlan, actor: AuditActor,
        within work: @escaping @Sendable (StoreSession) async throws -> Void = { _ in }
    ) async throws -> TokenResponseBody {
        let signer = try await keyring.current()
        let issuedAt = now
        let jti = Base64URL.encode(SecureRandom.bytes(16))
        let expires = issuedAt.addingTimeInterval(TimeInterval(plan.lifetime))
        let refresh = plan.withRefreshToken && plan.grantID != nil ? SecretToken(prefix: Self.refreshPrefix) : nil
        var details = ["client": plan.client.id, "grant_type": plan.grantType, "scope": plan.scope.text]
        if let grant = plan.grantID { details["grant"] = grant }
        if plan.jkt != nil { details["bound_to"] = "dpop" } else if plan.x5t != nil { details["bound_to"] = "certificate" }
        if let acting = plan.actorSubject { details["act"] = acting }
        if refresh != nil { details["refresh_token"] = "issued" }
        try await tokenCommits.record(TokenRecords(
            work: work,
            accessToken: OAuthAccessTokenRecord(
                jti: jti, grantID: plan.grantID, clientID: plan.client.id, householdID: plan.household,
                subject: plan.subject, expiresAt: expires),
            refreshToken: refresh.flatMap { token in plan.grantID.map { (token.digest, $0, plan.jkt, issuedAt) } },
            event: AuditEvent(
                .oauthTokenIssued, actor: actor, subject: "token:\(jti)", household: plan.household,
                reason: "access token for \(plan.subject)", details: details)))
        signals?.post(.tokenIssued(client: plan.client.id, household: plan.household, at: issuedAt))
        let claims = AccessTokenClaims(
            iss: issuer.url, sub: plan.subject, aud: issuer.url, clientID: plan.client.id, scope: plan.scope.text,
            jti: jti, iat: Int(issuedAt.timeIntervalSince1970), exp: Int(expires.timeIntervalSince1970),
            cnf: plan.jkt != nil || plan.x5t != nil ? .init(jkt: plan.jkt, x5tS256: plan.x5t) : nil,
            act: plan.actorSubject.map { .init(sub: $0) },
            authTime: plan.authTime.map { Int($0.timeIntervalSince1970) }, acr: plan.acr)
        let token = try await signer.sign(claims)
        return TokenResponseBody(
            accessToken: token, tokenType: plan.jkt != nil ? "DPoP" : "Bearer", expiresIn: plan.lifetime,
            scope: plan.scope.text, refreshToken: refresh?.value, issuedTokenType: plan.issuedTokenType)
    }

    package struct TokenResponseBody: Encodable, Sendable {
        package let accessToken: String
        package let tokenType: String
        package let expiresIn: Int
        package let scope: String
        package let refreshToken: String?
        package let issuedTokenType: String?

        package enum CodingKeys: String, CodingKey {
            case scope
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case refreshToken = "refresh_token"
            case issuedTokenType = "issued_token_type"
        }
    }
}
