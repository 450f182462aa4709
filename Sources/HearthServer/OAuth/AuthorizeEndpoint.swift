import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthStore
import Hummingbird

/// `GET|POST /oauth/authorize` (RFC 6749 §4.1.1, RFC 7636, RFC 9207): the sign-in and consent
/// page. Until the client and its exact redirect URI are known, errors are shown on the page and
/// never redirected (an open redirector otherwise); after that they go back to the client with
/// `state` untouched and `iss`.
extension AuthorizationServer {
    /// A checked authorization request.
    struct AuthorizationRequest: Sendable {
        let client: OAuthClientRecord
        let redirectURI: String
        let scope: ScopeSet
        let state: String?
        let codeChallenge: String
        let dpopJKT: String?

        /// The parameters the form carries back on POST.
        var fields: [(String, String)] {
            var fields = [
                ("response_type", "code"), ("client_id", client.id), ("redirect_uri", redirectURI), ("scope", scope.text),
                ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
            ]
            if let state { fields.append(("state", state)) }
            if let dpopJKT { fields.append(("dpop_jkt", dpopJKT)) }
            return fields
        }
    }

    /// An error to send back to the client's redirect URI.
    struct RedirectedError: Error {
        let error: OAuthError
    }

    func authorizePage(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form: OAuthForm
        do { form = try OAuthForm.query(of: request) } catch let error as OAuthError { return errorPage(error.description) }
        return try await withAuthorizationRequest(form) { checked in
            let (csrf, cookie) = FormGuard.issue(reusing: request)
            return OAuthPages.response(consentPage(checked, csrf: csrf, email: "", message: nil), cookie: cookie)
        }
    }

    func authorizeDecision(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form: OAuthForm
        do { form = try await OAuthForm.body(of: request, limit: bodyLimit) } catch let error as OAuthError {
            return errorPage(error.description)
        }
        return try await withAuthorizationRequest(form) { checked in
            guard FormGuard.check(request, formValue: form["csrf"]) else {
                return errorPage("The form expired or did not come from this hub. Go back to the app and start again.", status: .forbidden)
            }
            guard form["decision"] == "allow" else {
                throw RedirectedError(error: OAuthError(.accessDenied, "the person declined"))
            }
            let signedIn: PasswordSignIn.SignedIn
            do {
                signedIn = try await signIn.check(
                    email: form["email"] ?? "", password: form["password"] ?? "", code: form["totp"], source: context.remoteIP,
                    logger: context.logger)
            } catch let problem as Problem {
                let csrf = form["csrf"] ?? ""
                return OAuthPages.response(
                    consentPage(checked, csrf: csrf, email: form["email"] ?? "", message: problem.detail), status: problem.status)
            }
            let person = signedIn.person
            try Self.checkEntitled(person, acr: signedIn.acr, client: checked.client, scope: checked.scope)
            let code = SecretToken(prefix: "hac_")
            let at = now
            try await store.write { db in
                try await db.oauthAuthorizations.insert(OAuthCodeRecord(
                    digest: code.digest, clientID: checked.client.id, personID: person.id.rawValue,
                    householdID: person.householdID, redirectURI: checked.redirectURI, scope: checked.scope.text,
                    codeChallenge: checked.codeChallenge, dpopJKT: checked.dpopJKT, authTime: at, acr: signedIn.acr,
                    expiresAt: at.addingTimeInterval(lifetimes.authorizationCode)))
                try await db.audit.append(AuditEvent(
                    .oauthConsentGranted, actor: .person(person.id), subject: "client:\(checked.client.id)",
                    household: person.householdID, reason: "authorization code for \(checked.client.name)",
                    details: ["scope": checked.scope.text, "second_factor": signedIn.acr == nil ? "no" : "yes"]))
            }
            var parameters = [("code", code.value)]
            if let state = checked.state { parameters.append(("state", state)) }
            parameters.append(("iss", issuer.url))
            return Self.redirect(to: checked.redirectURI, parameters)
        }
    }

    /// What a person may grant: their own household's clients; owner-only scopes need an owner;
    /// sensitive scopes need a second factor in this sign-in (step-up).
    static func checkEntitled(_ person: Person, acr: String?, client: OAuthClientRecord, scope: ScopeSet) throws {
        guard client.householdID == person.householdID else {
            throw RedirectedError(error: OAuthError(.accessDenied, "this app is registered in another household"))
        }
        if person.role != .owner, !scope.tokens.allSatisfy(Self.memberScope) {
            throw RedirectedError(error: OAuthError(.accessDenied, "a requested scope is for owners only"))
        }
        if scope.needsStepUp, acr != "mfa" {
            throw RedirectedError(error: OAuthError(
                .accessDenied, "a requested scope needs a second factor; enroll one and sign in with its code"))
        }
    }

    /// Scopes a member (not an owner) may grant.
    static func memberScope(_ token: String) -> Bool {
        token == "devices:read" || token == "offline_access" || token.hasPrefix("devices:control:")
            || token.hasPrefix("telemetry:read:")
    }

    /// Checks the request; runs `body` with it, turning errors into a page (before the redirect
    /// URI is trusted) or a redirect (after).
    private func withAuthorizationRequest(
        _ form: OAuthForm, _ body: (AuthorizationRequest) async throws -> Response
    ) async throws -> Response {
        guard let clientID = form["client_id"], clientID.utf8.count <= 64,
              let client = try await store.read({ db in try await db.oauthClients.find(clientID) }), client.revokedAt == nil
        else { return errorPage("The app that sent you here is not registered with this hub.") }
        guard let redirect = form["redirect_uri"], client.redirectURIs.contains(redirect) else {
            return errorPage("The app sent you to an address it did not register. Nothing was shared.")
        }
        let state = form["state"]
        do {
            guard state.map({ $0.utf8.count <= 1024 }) ?? true else {
                throw OAuthError(.invalidRequest, "state is longer than 1024 bytes")
            }
            guard form["response_type"] == "code" else {
                throw OAuthError(.unsupportedResponseType, "only response_type=code is supported")
            }
            guard client.grantTypes.contains("authorization_code") else {
                throw OAuthError(.unauthorizedClient, "this client may not use the authorization code grant")
            }
            try PKCE.validateChallenge(form["code_challenge"] ?? "", method: form["code_challenge_method"])
            let allowed = try ScopeSet(parsing: client.scope)
            let scope = try Self.requestedScope(form, within: allowed)
            if let jkt = form["dpop_jkt"], jkt.utf8.count != 43 || Base64URL.decode(jkt) == nil {
                throw OAuthError(.invalidRequest, "dpop_jkt is not a JWK SHA-256 thumbprint")
            }
            let checked = AuthorizationRequest(
                client: client, redirectURI: redirect, scope: scope, state: state,
                codeChallenge: form["code_challenge"] ?? "", dpopJKT: form["dpop_jkt"])
            return try await body(checked)
        } catch let error as OAuthError {
            return redirectError(error, to: redirect, state: state)
        } catch let redirected as RedirectedError {
            return redirectError(redirected.error, to: redirect, state: state)
        }
    }

    private func redirectError(_ error: OAuthError, to redirect: String, state: String?) -> Response {
        var parameters = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer.url))
        return Self.redirect(to: redirect, parameters)
    }

    static func redirect(to uri: String, _ parameters: [(String, String)]) -> Response {
        let separator = uri.contains("?") ? "&" : "?"
        return Response(
            status: .seeOther,
            headers: [.location: uri + separator + OAuthForm.encode(parameters), .cacheControl: "no-store"])
    }

    func errorPage(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        OAuthPages.response(OAuthPages.page(title: "Cannot continue", body: OAuthPages.error(message)), status: status)
    }

    private func consentPage(_ checked: AuthorizationRequest, csrf: String, email: String, message: String?) -> String {
        let scopes = checked.scope.tokens.map { "<li><code>\(OAuthPages.escape($0))</code></li>" }.joined()
        return OAuthPages.page(
            title: "Sign in to Hearth",
            body: """
                \(OAuthPages.error(message))
                <p><strong>\(OAuthPages.escape(checked.client.name))</strong> asks for:</p>
                <ul class="scopes">\(scopes)</ul>
                <p>It will be sent back to <code>\(OAuthPages.escape(checked.redirectURI))</code>.</p>
                <form method="post" action="/oauth/authorize">
                \(OAuthPages.hidden(checked.fields + [("csrf", csrf)]))
                \(OAuthPages.signInFields(email: email))
                <button type="submit" name="decision" value="allow">Allow</button>
                <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
                </form>
                """)
    }
}
