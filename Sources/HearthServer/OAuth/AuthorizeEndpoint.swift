import HearthCore
import HearthHub
import HearthOAuth
import HearthStore
import Hummingbird

/// `GET|POST /oauth/authorize`: the sign-in and consent page over
/// ``AuthorizationServer/checkAuthorizationRequest(_:)`` and
/// ``AuthorizationServer/issueAuthorizationCode(_:signedIn:)``.
extension AuthorizationServer {
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
                    email: form["email"] ?? "", password: form["password"] ?? "", code: form["totp"],
                    deviceCookie: RequestCookies.value(Self.deviceCookieName, in: request), source: context.remoteIP,
                    logger: context.logger)
            } catch let error as HearthError {
                let csrf = form["csrf"] ?? ""
                return OAuthPages.response(
                    consentPage(checked, csrf: csrf, email: form["email"] ?? "", message: error.reason),
                    status: Problem.status(for: error), retryAfter: Problem.retryAfter(for: error))
            }
            var response = Self.redirect(to: checked.redirectURI, try await issueAuthorizationCode(checked, signedIn: signedIn))
            // The browser that signed in is spared the account's back-off next time (a year).
            response.headers[.setCookie] = RequestCookies.setCookie(
                Self.deviceCookieName, signedIn.deviceCookie, maxAge: 365 * 86_400)
            return response
        }
    }

    static let deviceCookieName = "__Host-hearth_device"

    /// Checks the request; runs `body` with it, turning refusals into a page (before the redirect
    /// URI is trusted) or a redirect (after).
    private func withAuthorizationRequest(
        _ form: OAuthForm, _ body: (AuthorizationRequest) async throws -> Response
    ) async throws -> Response {
        switch try await checkAuthorizationRequest(form) {
        case .refusedOnPage(let message):
            return errorPage(message)
        case .refusedToClient(let error, let redirect, let state):
            return Self.redirect(to: redirect, errorParameters(error, state: state))
        case .valid(let checked):
            do {
                return try await body(checked)
            } catch let error as OAuthError {
                return Self.redirect(to: checked.redirectURI, errorParameters(error, state: checked.state))
            } catch let redirected as RedirectedError {
                return Self.redirect(to: checked.redirectURI, errorParameters(redirected.error, state: checked.state))
            }
        }
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
