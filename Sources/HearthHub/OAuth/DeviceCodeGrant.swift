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
        let clientID = client.record.id
        // Loaded, decided and saved in one transaction: two polls cannot both see the old state.
        let decided = try await store.write { db -> (OAuthDeviceAuthorizationRecord, DeviceAuthorizationPoll.Outcome)? in
            guard deviceCode.utf8.count <= 128,
                  let record = try await db.oauthAuthorizations.deviceAuthorization(deviceCodeDigest: digest),
                  record.clientID == clientID
            else { return nil }
            var poll = DeviceAuthorizationPoll(record)
            let outcome = poll.poll(at: db.clock.now)
            switch outcome {
            case .expired, .approved:
                break
            case .slowDown, .pending:
                try await db.oauthAuthorizations.recordPoll(
                    deviceCodeDigest: digest, at: db.clock.now, interval: poll.interval == record.interval ? nil : poll.interval)
            case .denied:
                _ = try await db.oauthAuthorizations.deleteDeviceAuthorization(deviceCodeDigest: digest)
            }
            return (record, outcome)
        }
        guard let (record, outcome) = decided else {
            throw try await refuse(
                OAuthError(.invalidGrant, "the device code is unknown or belongs to another client"),
                keys: [Self.sourceKey(call)], source: call.source, subject: "client:\(client.record.id)")
        }
        let at = now
        switch outcome {
        case .expired:
            throw OAuthError(.expiredToken, "the device code has expired; start again")
        case .slowDown(let interval):
            throw OAuthError(.slowDown, "polling too fast; wait \(interval) s between requests")
        case .pending:
            throw OAuthError(.authorizationPending, "the person has not approved the request yet")
        case .denied:
            // Denied without a person: cancelled by the limit on wrong user codes (UserCodeGuessing.swift).
            throw OAuthError(.accessDenied, record.personID == nil
                ? "too many wrong codes were typed for this request, so it was cancelled; start again"
                : "the person denied the request")
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

extension DeviceAuthorizationPoll {
    init(_ record: OAuthDeviceAuthorizationRecord) {
        let status: Status = switch record.status {
        case .pending: .pending
        case .approved: .approved
        case .denied: .denied
        }
        self.init(status: status, expiresAt: record.expiresAt, interval: record.interval, lastPollAt: record.lastPollAt)
    }
}
