import Foundation
import HearthCore
import HearthHub
import HearthStore
import Logging
import HearthOAuth
import Hummingbird

/// `GET`/`POST /console/sign-in` and `POST /console/sign-out`. Sign-in is the API's
/// (``PersonSessions``): the same password check, second factor or recovery code, back-off
/// and device cookie, and the same audit entry; the session it starts also ends when idle.
struct ConsoleSignIn: Sendable {
    let console: ConsoleAdapter

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/console") { request, _ in
                let signedIn = (try? await console.signedIn(request, .useHousehold)) != nil
                return ConsoleRenderer.redirect(signedIn ? "/console/overview" : "/console/sign-in")
            },
            Endpoint(.get, "/console/sign-in") { _, _ in form(email: nil, household: nil, error: nil, status: .ok) },
            Endpoint(.post, "/console/sign-in") { request, context in await signIn(request, context) },
            Endpoint(.post, "/console/sign-out") { request, _ in
                await console.action(request, .useHousehold) { caller, _ in
                    try await console.hub.personSessions.end(
                        tokenDigest: caller.tokenDigest, person: caller.member.id, household: caller.member.householdID)
                    return ConsoleRenderer.redirect(
                        "/console/sign-in", cookies: [ConsoleGuard.expired(ConsoleGuard.sessionCookie)])
                }
            },
        ]
    }

    /// The form, with a fresh double-submit value in its own cookie.
    private func form(email: String?, household: String?, error: String?, status: HTTPResponse.Status) -> Response {
        let nonce = SecretToken(prefix: "").value
        return console.renderer.page(
            "sign-in", title: "Sign in", signedIn: nil,
            values: ["csrf": nonce, "emailField": email ?? "", "householdField": household ?? "", "error": error as Any],
            status: status, cookies: [ConsoleGuard.cookie(ConsoleGuard.signInCookie, nonce, maxAge: 3600)])
    }

    private func signIn(_ request: Request, _ context: HearthRequestContext) async -> Response {
        guard ConsoleGuard.isSameOrigin(request) else { return console.foreignOrigin() }
        let form: OAuthForm
        do {
            form = try await OAuthForm.body(of: request, limit: console.bodyLimit)
        } catch {
            return console.refusal(error, signedIn: nil)
        }
        let email = form["email"], household = form["household"]
        guard let expected = RequestCookies.value(ConsoleGuard.signInCookie, in: request), let sent = form["csrf"],
              constantTimeEquals(Array(expected.utf8), Array(sent.utf8))
        else {
            return self.form(
                email: email, household: household, error: "The sign-in form expired; please try again.", status: .forbidden)
        }
        do {
            let started = try await console.hub.personSessions.start(
                email: email ?? "", password: form["password"] ?? "", secondFactor: form["totp"],
                deviceCookie: RequestCookies.value(ConsoleGuard.deviceCookie, in: request, maximumLength: 512),
                choice: household.map { .household($0) } ?? .onlyHousehold, source: context.remoteIP,
                limits: .init(lifetime: console.sessionGuard.absolute, idle: console.sessionGuard.idle), logger: context.logger)
            return ConsoleRenderer.redirect("/console/overview", cookies: [
                ConsoleGuard.cookie(ConsoleGuard.sessionCookie, started.token, maxAge: Int(console.sessionGuard.absolute.seconds)),
                ConsoleGuard.cookie(ConsoleGuard.deviceCookie, started.deviceCookie, maxAge: 365 * 24 * 3600),
                ConsoleGuard.expired(ConsoleGuard.signInCookie),
            ])
        } catch let error as HearthError {
            // The API's wording names its JSON field; the form has a box for it.
            let message = error.code.rawValue == "second-factor-required"
                ? "This account has a second factor: type the code your authenticator shows (or a recovery code)." : error.reason
            var response = self.form(email: email, household: household, error: message, status: Problem.status(for: error))
            if let wait = error.retryAfter { response.headers[.retryAfter] = String(wait) }
            return response
        } catch {
            return console.refusal(error, signedIn: nil)
        }
    }
}
