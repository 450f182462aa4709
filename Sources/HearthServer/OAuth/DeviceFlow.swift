import HearthCore
import HearthHub
import HearthOAuth
import Hummingbird

/// The device authorization grant's HTTP side: `POST /oauth/device_authorization`, and the
/// verification page at `GET|POST /oauth/device`.
extension AuthorizationServer {
    func startDeviceAuthorization(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let call = context.call(request)
        let wait = try await deviceAuthorizationWait(call)
        guard wait == 0 else { throw HearthError.throttled(retryAfter: wait, "device authorization requests") }
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        return try Self.tokenResponse(try await startDeviceAuthorization(form, call))
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
        guard FormGuard.check(request, formValue: form["csrf"]) else {
            return errorPage("The form expired or did not come from this hub. Open the link again.", status: .forbidden)
        }
        let approve = form["decision"] == "allow"
        do {
            try await decideDeviceAuthorization(
                userCode: typed, email: email, password: form["password"] ?? "", totp: form["totp"], approve: approve,
                context.call(request))
        } catch let error as HearthError where error.code.category != .internalFailure && error.code.category != .unavailable {
            return OAuthPages.response(
                verificationPage(userCode: typed, email: email, csrf: csrf, message: error.reason),
                status: Problem.status(for: error), retryAfter: Problem.retryAfter(for: error))
        }
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
