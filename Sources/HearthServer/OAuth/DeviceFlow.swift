import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthPairing
import HearthStore
import Hummingbird

/// The device authorization grant's front half (RFC 8628 §3.1–3.3): `POST
/// /oauth/device_authorization` starts a request; the person approves it at `GET|POST
/// /oauth/device` after signing in. User codes are 8 letters without vowels or look-alikes
/// (about 34.5 bits), alive 10 minutes, kept as digests; wrong codes are throttled per source.
extension AuthorizationServer {
    struct DeviceAuthorizationResponse: Encodable {
        let deviceCode: String
        let userCode: String
        let verificationURI: String
        let verificationURIComplete: String
        let expiresIn: Int
        let interval: Int

        enum CodingKeys: String, CodingKey {
            case interval
            case deviceCode = "device_code"
            case userCode = "user_code"
            case verificationURI = "verification_uri"
            case verificationURIComplete = "verification_uri_complete"
            case expiresIn = "expires_in"
        }
    }

    func startDeviceAuthorization(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let wait = await deviceRequests.take(Self.sourceKey(context))
        guard wait == 0 else { throw Problem.throttled(retryAfter: wait, "device authorization requests") }
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        let client = try await authenticateClient(form, request, context, endpoint: "/oauth/device_authorization")
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
        return try Self.tokenResponse(DeviceAuthorizationResponse(
            deviceCode: deviceCode.value, userCode: userCode.display, verificationURI: verification,
            verificationURIComplete: verification + "?user_code=" + userCode.display, expiresIn: Int(lifetimes.deviceCode),
            interval: lifetimes.devicePollInterval))
    }

    func deviceVerificationPage(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let typed = (try? OAuthForm.query(of: request))?["user_code"] ?? ""
        let (csrf, cookie) = FormGuard.issue(reusing: request)
        return OAuthPages.response(verificationPage(userCode: typed, email: "", csrf: csrf, message: nil), cookie: cookie)
    }

    func deviceVerificationDecision(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form: OAuthForm
        do { form = try await OAuthForm.body(of: request, limit: bodyLimit) } catch let error as OAuthError {
            return errorPage(error.description)
        }
        let typed = form["user_code"] ?? ""
        let email = form["email"] ?? ""
        let csrf = form["csrf"] ?? ""
        func again(_ message: String, _ status: HTTPResponse.Status) -> Response {
            OAuthPages.response(verificationPage(userCode: typed, email: email, csrf: csrf, message: message), status: status)
        }
        guard FormGuard.check(request, formValue: form["csrf"]) else {
            return errorPage("The form expired or did not come from this hub. Open the link again.", status: .forbidden)
        }
        let keys = [Self.sourceKey(context)]
        let wait = await throttle.retryAfter(keys)
        guard wait == 0 else { return again("Too many wrong codes; try again in \(wait) s.", .tooManyRequests) }
        guard let code = try? UserCode(typed: typed),
              let record = try await store.read({ db in
                  try await db.oauthAuthorizations.deviceAuthorization(userCodeDigest: SecretToken.digest(of: code.canonical))
              }),
              record.status == .pending, record.expiresAt > now,
              let client = try await store.read({ db in try await db.oauthClients.find(record.clientID) })
        else {
            _ = try await refuse(
                OAuthError(.invalidGrant, "unknown or expired user code"), keys: keys, source: context.remoteIP,
                subject: "device-authorization:unknown")
            return again("That code is unknown or has expired. Check the code on your device.", .badRequest)
        }
        let signedIn: PasswordSignIn.SignedIn
        do {
            signedIn = try await signIn.check(
                email: email, password: form["password"] ?? "", code: form["totp"], source: context.remoteIP, logger: context.logger)
        } catch let problem as Problem {
            return again(problem.detail, problem.status)
        }
        let approve = form["decision"] == "allow"
        let scope = try ScopeSet(parsing: record.scope)
        if approve {
            do {
                try Self.checkEntitled(signedIn.person, acr: signedIn.acr, client: client, scope: scope)
            } catch let refused as RedirectedError {
                return again(refused.error.description, .forbidden)
            }
        }
        let person = signedIn.person
        let at = now
        let decided = try await store.write { db in
            guard try await db.oauthAuthorizations.decide(
                userCodeDigest: record.userCodeDigest, approved: approve, person: person.id.rawValue,
                household: person.householdID, authTime: at, acr: signedIn.acr, at: at)
            else { return false }
            try await db.audit.append(AuditEvent(
                approve ? .oauthConsentGranted : .oauthConsentDenied, actor: .person(person.id), subject: "client:\(client.id)",
                household: person.householdID, reason: "device authorization for \(client.name)", details: ["scope": scope.text]))
            return true
        }
        guard decided else { return again("That request was already decided or has expired.", .conflict) }
        return OAuthPages.response(OAuthPages.page(
            title: approve ? "Approved" : "Denied",
            body: "<p>\(approve ? "You can return to your device; it will finish signing in." : "The device was not signed in.")</p>"))
    }

    private func verificationPage(userCode: String, email: String, csrf: String, message: String?) -> String {
        OAuthPages.page(
            title: "Connect a device",
            body: """
                \(OAuthPages.error(message))
                <p>Enter the code your device shows, then sign in to approve it.</p>
                <form method="post" action="/oauth/device">
                \(OAuthPages.hidden([("csrf", csrf)]))
                <label for="user_code">Code</label><input id="user_code" name="user_code" type="text" autocomplete="off" value="\(OAuthPages.escape(String(userCode.prefix(16))))" required>
                \(OAuthPages.signInFields(email: email))
                <button type="submit" name="decision" value="allow">Approve</button>
                <button type="submit" name="decision" value="deny">Deny</button>
                </form>
                """)
    }
}
