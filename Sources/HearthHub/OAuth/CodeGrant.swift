import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) and refresh-token rotation
/// (RFC 9700 §4.14.2): one family per grant; a used refresh token or code presented again ends
/// the whole family.
extension AuthorizationServer {
    package func redeemCode(
        _ form: OAuthForm, client: AuthenticatedClient, proof: VerifiedProof?, _ call: CallContext
    ) async throws -> TokenResponseBody {
        let keys = [Self.sourceKey(call)]
        let code = try form.required("code")
        let verifier = try form.required("code_verifier")
        let redirect = try form.required("redirect_uri")
        guard code.utf8.count <= 128,
              let record = try await store.read({ db in try await db.oauthAuthorizations.code(digest: SecretToken.digest(of: code)) }),
              record.clientID == client.record.id
        else {
            throw try await refuse(
                OAuthError(.invalidGrant, "the authorization code is unknown or belongs to another client"), keys: keys,
                source: call.source, subject: "client:\(client.record.id)")
        }
        let issued = AuthorizationCode(
            usedAt: record.usedAt, expiresAt: record.expiresAt, redirectURI: record.redirectURI,
            codeChallenge: record.codeChallenge)
        let refusal: OAuthError? = switch issued.redeem(redirectURI: redirect, verifier: verifier, at: now) {
        case .reused:
            try await revokeFamily(record.grantID, reason: "authorization code presented twice", household: record.householdID)
            throw OAuthError(.invalidGrant, "the authorization code was used before; what it issued is revoked")
        case .expired: OAuthError(.invalidGrant, "the authorization code has expired")
        case .redirectMismatch: OAuthError(.invalidGrant, "redirect_uri differs from the authorization request's")
        case .verifierMismatch: OAuthError(.invalidGrant, "the code_verifier does not match the code_challenge")
        case .redeem: nil
        }
        if let refusal {
            throw try await refuse(
                refusal, keys: keys, source: call.source, subject: "client:\(client.record.id)", household: record.householdID)
        }
        try Self.requireProof(proof, boundTo: record.dpopJKT)
        let scope = try ScopeSet(parsing: record.scope)
        let grant = OAuthGrantRecord(
            id: Identifier<OAuthGrantRecord>().rawValue, householdID: record.householdID, clientID: client.record.id,
            subject: "person:\(record.personID)", scope: scope.text, authTime: record.authTime, acr: record.acr,
            createdAt: now, expiresAt: now.addingTimeInterval(lifetimes.refreshFamily), lastUsedAt: now)
        let plan = TokenPlan(
            client: client.record, subject: record.personID, household: record.householdID, scope: scope, grantID: grant.id,
            jkt: proof?.jkt, x5t: client.certificateThumbprint, authTime: record.authTime, acr: record.acr,
            lifetime: lifetimes.accessToken, withRefreshToken: client.record.grantTypes.contains("refresh_token"),
            grantType: "authorization_code")
        let at = now
        return try await issue(plan, actor: AuditActor(.person, record.personID)) { db in
            guard try await db.oauthAuthorizations.useCode(digest: record.digest, grant: grant.id, at: at) else {
                throw OAuthError(.invalidGrant, "the authorization code was used before")
            }
            try await db.oauthGrants.insert(grant)
        }
    }

    package func refresh(
        _ form: OAuthForm, client: AuthenticatedClient, proof: VerifiedProof?, _ call: CallContext
    ) async throws -> TokenResponseBody {
        let presented = try form.required("refresh_token")
        let digest = SecretToken.digest(of: presented)
        let found = try await store.read { db -> (OAuthRefreshTokenRecord, OAuthGrantRecord, entitled: Bool)? in
            guard presented.utf8.count <= 128, let token = try await db.oauthGrants.refreshToken(digest: digest),
                  let grant = try await db.oauthGrants.find(token.grantID)
            else { return nil }
            return (token, grant, try await Self.subjectIsEntitled(grant, in: db))
        }
        guard let (token, grant, entitled) = found, grant.clientID == client.record.id else {
            throw try await refuse(
                OAuthError(.invalidGrant, "the refresh token is unknown or belongs to another client"),
                keys: [Self.sourceKey(call)], source: call.source, subject: "client:\(client.record.id)")
        }
        if token.usedAt != nil {
            try await revokeFamily(grant.id, reason: "refresh token presented twice", household: grant.householdID)
            throw OAuthError(.invalidGrant, "the refresh token was used before; its whole family is revoked")
        }
        guard grant.revokedAt == nil, grant.expiresAt > now else {
            throw OAuthError(.invalidGrant, "the grant was revoked or has reached its absolute lifetime")
        }
        try Self.requireProof(proof, boundTo: token.jkt)
        let scope = try Self.requestedScope(form, within: try ScopeSet(parsing: grant.scope))
        guard entitled else { throw OAuthError(.invalidGrant, "the grant's subject is no longer entitled to tokens") }
        let subject = String(grant.subject.split(separator: ":", maxSplits: 1).last ?? "")
        let plan = TokenPlan(
            client: client.record, subject: subject, household: grant.householdID, scope: scope, grantID: grant.id,
            jkt: token.jkt ?? proof?.jkt, x5t: client.certificateThumbprint, authTime: grant.authTime, acr: grant.acr,
            lifetime: lifetimes.accessToken, withRefreshToken: true, grantType: "refresh_token")
        let at = now
        do {
            return try await issue(plan, actor: AuditActor(.client, client.record.id)) { db in
                guard try await db.oauthGrants.useRefreshToken(digest: digest, at: at) else {
                    throw RefreshRace()
                }
                try await db.oauthGrants.touch(grant.id, at: at)
            }
        } catch is RefreshRace {
            // Two uses at the same instant: one of them is not the legitimate client.
            try await revokeFamily(grant.id, reason: "refresh token presented twice", household: grant.householdID)
            throw OAuthError(.invalidGrant, "the refresh token was used before; its whole family is revoked")
        }
    }

    private struct RefreshRace: Error {}

    /// Whether the grant's subject may still get tokens: a person still in the active household
    /// with their access open now, a device still active in it.
    package static func subjectIsEntitled(_ grant: OAuthGrantRecord, in db: StoreSession) async throws -> Bool {
        let parts = grant.subject.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, try await db.households.find(grant.householdID)?.state == .active else { return false }
        switch parts[0] {
        case "person":
            guard let id = PersonID(parts[1]), let membership = try await db.memberships.find(person: id, household: grant.householdID)
            else { return false }
            return PolicyEngine.decide(
                .person(membership), .useHousehold, .household(grant.householdID), PolicyContext(now: db.clock.now)
            ).allowed
        case "device":
            guard let id = DeviceID(parts[1]), let device = try await db.devices.find(id) else { return false }
            return device.state == .active && device.householdID == grant.householdID
        default:
            return false
        }
    }

    /// Revokes a grant and every token of it, with the audit entry that is the reuse signal.
    package func revokeFamily(_ grantID: String?, reason: String, household: HouseholdID) async throws {
        try await store.write { db in
            var revoked = false
            if let grantID { revoked = try await db.oauthGrants.revoke(grantID, reason: reason, at: db.clock.now) }
            try await db.audit.append(AuditEvent(
                .oauthReplayDetected, actor: .system("oauth"), subject: "grant:\(grantID ?? "none")", household: household,
                reason: reason, details: ["family_revoked": revoked ? "yes" : "already"]))
        }
    }
}
