import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird
import NIOCore

/// What a grant decided to issue: for whom, which scopes, bound to which key, in which family.
struct TokenPlan: Sendable {
    var client: OAuthClientRecord
    /// The JWT `sub`: a person's or a device's id.
    var subject: String
    var household: HouseholdID
    var scope: ScopeSet
    /// The refresh family; nil for client credentials and token exchange (no refresh token).
    var grantID: String?
    /// RFC 9449: the DPoP key's thumbprint, or RFC 8705: the certificate's.
    var jkt: String?
    var x5t: String?
    /// RFC 8693 `act`: the gateway acting for the subject.
    var actorSubject: String?
    var authTime: Date?
    var acr: String?
    var lifetime: Int
    var withRefreshToken: Bool
    var grantType: String
    var issuedTokenType: String?
}

/// What one issuance stores: the grant's own changes, the access token's record, the refresh
/// token's digest and the audit entry.
struct TokenRecords: Sendable {
    let work: @Sendable (StoreSession) async throws -> Void
    let accessToken: OAuthAccessTokenRecord
    let refreshToken: (digest: String, grant: String, jkt: String?, at: Date)?
    let event: AuditEvent

    /// Records a group commit's batch: each issuance's own changes in order, then the records
    /// and audit entries of all of them in a few statements.
    static func commit(_ batch: [TokenRecords], in db: StoreSession) async throws -> [Result<Void, any Error>] {
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
    static let refreshPrefix = "hrt_"

    /// Issues what the plan says. The access token's record, the refresh token's digest, the
    /// grant's own changes (`work`) and the audit entry commit in one transaction before anything
    /// is signed or returned: an acknowledged token survives a crash, and none exists that the
    /// log does not show.
    func issue(
        _ plan: TokenPlan, actor: AuditActor,
        within work: @escaping @Sendable (StoreSession) async throws -> Void = { _ in }
    ) async throws -> Response {
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
        let claims = AccessTokenClaims(
            iss: issuer.url, sub: plan.subject, aud: issuer.url, clientID: plan.client.id, scope: plan.scope.text,
            jti: jti, iat: Int(issuedAt.timeIntervalSince1970), exp: Int(expires.timeIntervalSince1970),
            cnf: plan.jkt != nil || plan.x5t != nil ? .init(jkt: plan.jkt, x5tS256: plan.x5t) : nil,
            act: plan.actorSubject.map { .init(sub: $0) },
            authTime: plan.authTime.map { Int($0.timeIntervalSince1970) }, acr: plan.acr)
        let token = try await signer.sign(claims)
        return try Self.tokenResponse(TokenResponseBody(
            accessToken: token, tokenType: plan.jkt != nil ? "DPoP" : "Bearer", expiresIn: plan.lifetime,
            scope: plan.scope.text, refreshToken: refresh?.value, issuedTokenType: plan.issuedTokenType))
    }

    struct TokenResponseBody: Encodable {
        let accessToken: String
        let tokenType: String
        let expiresIn: Int
        let scope: String
        let refreshToken: String?
        let issuedTokenType: String?

        enum CodingKeys: String, CodingKey {
            case scope
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case refreshToken = "refresh_token"
            case issuedTokenType = "issued_token_type"
        }
    }

    /// RFC 6749 §5.1: JSON, never cached.
    static func tokenResponse(_ body: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store", .init("Pragma")!: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
