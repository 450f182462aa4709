import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// The token side of the device authorization grant (RFC 8628 §3.4–3.5): polling answers
/// `authorization_pending`, `slow_down` (and the interval grows by 5 s), `access_denied` or
/// `expired_token`, and an approved request yields its tokens exactly once.
extension AuthorizationServer {
    package func collectDeviceToken(
        _ form: OAuthForm, client: AuthenticatedClient, proof: VerifiedProof?, _ call: CallContext
    ) async throws -> TokenResponseBody {
        let deviceCode = try form.required("device_code")
        let digest = SecretToken.digest(of: deviceCode)
        guard deviceCode.utf8.count <= 128,
              let record = try await store.read({ db in try await db.oauthAuthorizations.deviceAuthorization(deviceCodeDigest: digest) }),
              record.clientID == client.record.id
        else {
            throw try await refuse(
                OAuthError(.invalidGrant, "the device code is unknown or belongs to another client"),
                keys: [Self.sourceKey(call)], source: call.source, subject: "client:\(client.record.id)")
        }
        let at = now
        guard record.expiresAt > at else { throw OAuthError(.expiredToken, "the device code has expired; start again") }
        if let last = record.lastPollAt, at.timeIntervalSince(last) < TimeInterval(record.interval) {
            try await store.write { db in
                try await db.oauthAuthorizations.recordPoll(deviceCodeDigest: digest, at: at, interval: record.interval + 5)
            }
            throw OAuthError(.slowDown, "polling too fast; wait \(record.interval + 5) s between requests")
        }
        try await store.write { db in try await db.oauthAuthorizations.recordPoll(deviceCodeDigest: digest, at: at) }
        switch record.status {
        case .pending:
            throw OAuthError(.authorizationPending, "the person has not approved the request yet")
        case .denied:
            _ = try await store.write { db in try await db.oauthAuthorizations.deleteDeviceAuthorization(deviceCodeDigest: digest) }
            throw OAuthError(.accessDenied, "the person denied the request")
        case .approved:
            guard let person = record.personID, let household = record.householdID, let authTime = record.authTime else {
                throw HearthError(.storageUnavailable, "an approved device authorization is incomplete")
            }
            let scope = try ScopeSet(parsing: record.scope)
            let grant = OAuthGrantRecord(
                id: Identifier<OAuthGrantRecord>().rawValue, householdID: household, clientID: client.record.id,
                subject: "person:\(person)", scope: scope.text, authTime: authTime, acr: record.acr, createdAt: at,
                expiresAt: at.addingTimeInterval(lifetimes.refreshFamily), lastUsedAt: at)
            let plan = TokenPlan(
                client: client.record, subject: person, household: household, scope: scope, grantID: grant.id, jkt: proof?.jkt,
                x5t: client.certificateThumbprint, authTime: authTime, acr: record.acr, lifetime: lifetimes.accessToken,
                withRefreshToken: client.record.grantTypes.contains("refresh_token"), grantType: Self.deviceCodeGrant)
            return try await issue(plan, actor: AuditActor(.person, person)) { db in
                guard try await db.oauthAuthorizations.deleteDeviceAuthorization(deviceCodeDigest: digest) else {
                    throw OAuthError(.invalidGrant, "the device code was used before")
                }
                try await db.oauthGrants.insert(grant)
            }
        }
    }
}
