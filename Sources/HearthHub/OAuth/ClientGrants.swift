import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore

/// Grants for devices and gateways: client credentials over mutual TLS with certificate-bound
/// tokens (RFC 8705), and token exchange (RFC 8693) by which a gateway obtains a down-scoped,
/// short-lived token for a device registered behind it — and for no other device.
extension AuthorizationServer {
    package static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    /// The subject token type for "the device with this id": the gateway names the device, and
    /// proves itself with its own token (the actor token) and certificate.
    package static let deviceTokenType = "urn:hearth:params:oauth:token-type:device-id"

    package func clientCredentials(_ form: OAuthForm, client: AuthenticatedClient, proof: VerifiedProof?) async throws -> TokenResponseBody {
        guard client.isConfidential else {
            throw OAuthError(.unauthorizedClient, "client credentials need a confidential client")
        }
        let scope = try Self.requestedScope(form, within: try ScopeSet(parsing: client.record.scope))
        let subject = client.record.deviceID ?? client.record.id
        let plan = TokenPlan(
            client: client.record, subject: subject, household: client.record.householdID, scope: scope, grantID: nil,
            jkt: proof?.jkt, x5t: client.certificateThumbprint, lifetime: lifetimes.accessToken, withRefreshToken: false,
            grantType: "client_credentials")
        return try await issue(plan, actor: AuditActor(.client, client.record.id))
    }

    package func exchange(_ form: OAuthForm, client: AuthenticatedClient, _ call: CallContext) async throws -> TokenResponseBody {
        guard let gatewayCertificate = client.certificate, gatewayCertificate.profile == "gateway",
              let gatewayID = client.record.deviceID
        else { throw OAuthError(.unauthorizedClient, "token exchange is for gateways authenticated by their certificate") }
        guard form["subject_token_type"] == Self.deviceTokenType, let deviceText = form["subject_token"] else {
            throw OAuthError(.invalidRequest, "subject_token_type must be \(Self.deviceTokenType), with the device id as subject_token")
        }
        guard form["actor_token_type"] == Self.accessTokenType, let actorToken = form["actor_token"] else {
            throw OAuthError(.invalidRequest, "actor_token_type must be \(Self.accessTokenType), with the gateway's access token")
        }
        if let type = form["requested_token_type"], type != Self.accessTokenType {
            throw OAuthError(.invalidRequest, "only access tokens can be requested")
        }
        let signer = try await keyring.current()
        let claims: AccessTokenClaims
        do {
            claims = try await signer.verify(actorToken, issuer: issuer.url, audience: issuer.url, now: now)
        } catch let error as OAuthError {
            throw OAuthError(.invalidGrant, "the actor token is not valid: \(error.description)")
        }
        let at = now
        let deviceID = DeviceID(deviceText)
        let (active, device, behind) = try await store.read { db -> (Bool, Device?, DeviceID?) in
            let active = try await db.oauthGrants.isAccessTokenActive(jti: claims.jti, at: at)
            guard let deviceID else { return (active, nil, nil) }
            return (active, try await db.devices.find(deviceID), try await db.devices.gateway(of: deviceID))
        }
        guard active, claims.sub == gatewayID, claims.clientID == client.record.id,
              claims.cnf?.x5tS256 == nil || claims.cnf?.x5tS256 == client.certificateThumbprint
        else { throw OAuthError(.invalidGrant, "the actor token is not a live token of this gateway") }
        guard let device, behind?.rawValue == gatewayID, device.householdID == client.record.householdID,
              device.state == .active
        else {
            throw try await refuse(
                OAuthError(.invalidGrant, "the device is not registered behind this gateway"), keys: [Self.sourceKey(call)],
                source: call.source, subject: "client:\(client.record.id)", household: client.record.householdID)
        }
        let scope = try Self.requestedScope(form, within: try ScopeSet(parsing: claims.scope))
        let plan = TokenPlan(
            client: client.record, subject: device.id.rawValue, household: device.householdID, scope: scope, grantID: nil,
            jkt: nil, x5t: client.certificateThumbprint, actorSubject: gatewayID, lifetime: lifetimes.exchangedToken,
            withRefreshToken: false, grantType: Self.tokenExchangeGrant, issuedTokenType: Self.accessTokenType)
        return try await issue(plan, actor: AuditActor(.device, gatewayID))
    }
}
