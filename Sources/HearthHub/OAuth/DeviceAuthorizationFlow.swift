import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthPairing
import HearthStore

/// The device authorization grant's front half (RFC 8628 §3.1–3.3): a device starts a request;
/// the person approves it after signing in. User codes are 8 letters without vowels or
/// look-alikes (about 34.5 bits), alive 10 minutes, kept as digests; wrong codes are limited per
/// source, per household and per pending request (UserCodeGuessing.swift).
extension AuthorizationServer {
    package struct DeviceAuthorizationResponse: Encodable, Sendable {
        package let deviceCode: String
        package let userCode: String
        package let verificationURI: String
        package let verificationURIComplete: String
        package let expiresIn: Int
        package let interval: Int

        package enum CodingKeys: String, CodingKey {
            case interval
            case deviceCode = "device_code"
            case userCode = "user_code"
            case verificationURI = "verification_uri"
            case verificationURIComplete = "verification_uri_complete"
            case expiresIn = "expires_in"
        }
    }

    package func startDeviceAuthorization(_ form: OAuthForm, _ call: CallContext) async throws -> DeviceAuthorizationResponse {
        let client = try await authenticateClient(form, call, endpoint: "/oauth/device_authorization")
        guard client.record.grantTypes.contains(Self.deviceCodeGrant) else {
            throw OAuthError(.unauthorizedClient, "this client may not use the device authorization grant")
        }
        let scope = try Self.requestedScope(form, within: try ScopeSet(parsing: client.record.scope))
        let deviceCode = SecretToken(prefix: "hdc_")
        let userCode = UserCode.generate()
        let at = now
        try await store.write { db in
            try await db.oauthAuthorizations.insert(OAuthDeviceAuthorizationRecord(
                deviceCodeDigest: deviceCode.digest, userCodeDigest: SecretToken.digest(of: userCode.canonical),
                clientID: client.record.id, scope: scope.text, createdAt: at,
                expiresAt: at.addingTimeInterval(lifetimes.deviceCode), interval: lifetimes.devicePollInterval))
        }
        let verification = issuer.endpoint("/oauth/device")
        return DeviceAuthorizationResponse(
            deviceCode: deviceCode.value, userCode: userCode.display, verificationURI: verification,
            verificationURIComplete: verification + "?user_code=" + userCode.display, expiresIn: Int(lifetimes.deviceCode),
            interval: lifetimes.devicePollInterval)
    }

    /// The throttle wait before this source may start another device authorization; 0 when it may.
    package func deviceAuthorizationWait(_ call: CallContext) async throws -> Int {
        try await deviceRequests.take(Self.sourceKey(call))
    }

    /// The person's decision on a pending request, made after they signed in with `email`,
    /// `password` and `totp`. Every refusal is a ``HearthError`` whose reason is written for the
    /// person at the verification page.
    package func decideDeviceAuthorization(
        userCode typed: String, email: String, password: String, totp: String?, approve: Bool, _ call: CallContext
    ) async throws {
        let sourceKey = Self.sourceKey(call)
        try await enforceUserCodeThrottle([sourceKey])
        // The person first: their household is the one a wrong code is charged to, and someone who
        // cannot sign in learns nothing about which codes exist (see UserCodeGuessing.swift).
        let signedIn = try await signIn.check(email: email, password: password, code: totp, source: call.source, logger: call.logger)
        let households = try await store.read { db in
            try await db.memberships.memberships(of: signedIn.person.id).map(\.householdID)
        }
        try await enforceUserCodeThrottle([sourceKey] + households.map(Self.userCodeHouseholdKey))
        let found = try await store.read { db -> (OAuthDeviceAuthorizationRecord, OAuthClientRecord)? in
            guard let code = try? UserCode(typed: typed),
                  let record = try await db.oauthAuthorizations.deviceAuthorization(userCodeDigest: SecretToken.digest(of: code.canonical)),
                  let client = try await db.oauthClients.find(record.clientID), households.contains(client.householdID)
            else { return nil }
            return (record, client)
        }
        guard let (record, client) = found, record.expiresAt > now else {
            throw try await wrongUserCode(households: households, sourceKey: sourceKey, call)
        }
        if record.status == .denied, record.personID == nil {
            throw HearthError(
                .rejected, code: "user-code-cancelled",
                "Too many wrong codes were typed while this request waited, so it was cancelled. Start again on your device.")
        }
        guard record.status == .pending else {
            throw try await wrongUserCode(households: households, sourceKey: sourceKey, call)
        }
        let scope = try ScopeSet(parsing: record.scope)
        let person = signedIn.person
        let at = now
        let decided = try await store.write { db in
            if approve {
                do {
                    _ = try await Self.checkEntitled(person, acr: signedIn.acr, client: client, scope: scope, in: db)
                } catch let refused as RedirectedError {
                    throw HearthError(.forbidden, code: "not-entitled", refused.error.description)
                }
            }
            guard try await db.oauthAuthorizations.decide(
                userCodeDigest: record.userCodeDigest, approved: approve, person: person.id.rawValue,
                household: client.householdID, authTime: at, acr: signedIn.acr, at: at)
            else { return false }
            try await db.audit.append(AuditEvent(
                approve ? .oauthConsentGranted : .oauthConsentDenied, actor: .person(person.id), subject: "client:\(client.id)",
                household: client.householdID, reason: "device authorization for \(client.name)", details: ["scope": scope.text]))
            return true
        }
        guard decided else { throw HearthError(.conflict, code: "already-decided", "That request was already decided or has expired.") }
    }
}
