import Foundation
import HearthCore
import HearthHub
import HearthStore
import Logging
import HearthOAuth
import Hummingbird
import NIOCore

/// The signed-in person behind a console request.
struct ConsoleCaller: Sendable {
    let member: Member
    let tokenDigest: String
    let csrf: String
    let isOwner: Bool
    let householdName: String
}

/// What every console route shares: the hub's services, the guard and the renderer, and the
/// two shapes of a console handler — a page (`GET`, signed in) and an action (`POST` from this
/// origin, signed in, with the session's CSRF token). Both ask the policy engine exactly as the
/// API does; errors become pages, never problem+json.
struct ConsoleAdapter: Sendable {
    let hub: HubServices
    let sessionGuard: ConsoleGuard
    let renderer: ConsoleRenderer
    let bodyLimit: Int

    var store: Store { hub.store }

    // MARK: the two shapes of a handler

    /// A page for a signed-in member the policy lets take `action` on their household; anyone
    /// else is sent to the sign-in page.
    func page(
        _ request: Request, _ action: PolicyAction = .useHousehold, _ body: (ConsoleCaller) async throws -> Response
    ) async -> Response {
        let caller: ConsoleCaller
        do {
            caller = try await signedIn(request, action)
        } catch {
            return refusal(error, signedIn: nil)
        }
        do {
            return try await body(caller)
        } catch {
            return refusal(error, signedIn: caller)
        }
    }

    /// A form post: refused unless it comes from this origin, within the size limit, from a
    /// signed-in member with the session's CSRF token, whom the policy lets take `action`.
    func action(
        _ request: Request, _ action: PolicyAction, _ body: (ConsoleCaller, OAuthForm) async throws -> Response
    ) async -> Response {
        guard ConsoleGuard.isSameOrigin(request) else { return foreignOrigin() }
        let form: OAuthForm
        do {
            form = try await OAuthForm.body(of: request, limit: bodyLimit)
        } catch {
            return refusal(error, signedIn: nil)
        }
        let caller: ConsoleCaller
        do {
            caller = try await signedIn(request, .useHousehold)
        } catch {
            return refusal(error, signedIn: nil)
        }
        guard sessionGuard.isValidCSRF(form["csrf"], sessionDigest: caller.tokenDigest) else {
            return renderer.message(
                title: "Refused", detail: "The form has expired or was not made by the console; reload the page and try again.",
                status: .forbidden, signedIn: caller)
        }
        do {
            try SessionAuthenticator.check(caller.member, action, at: store.clock.now)
            return try await body(caller, form)
        } catch {
            return refusal(error, signedIn: caller)
        }
    }

    /// The member behind the session cookie, allowed `action` by the policy; a request that is
    /// the person's doing (`active`) keeps the session from going idle.
    func signedIn(_ request: Request, _ action: PolicyAction, active: Bool = true) async throws -> ConsoleCaller {
        guard let token = RequestCookies.value(ConsoleGuard.sessionCookie, in: request) else {
            throw HearthError.unauthenticated("sign in first", invalidToken: false)
        }
        let (member, session) = try await hub.sessions.member(sessionToken: token, action, idle: active ? sessionGuard.idle : nil)
        let name = try await store.read { db in try await db.households.find(member.householdID)?.name } ?? ""
        return ConsoleCaller(
            member: member, tokenDigest: session.tokenDigest, csrf: sessionGuard.csrfToken(sessionDigest: session.tokenDigest),
            isOwner: HouseholdDashboard.isOwner(member, at: store.clock.now), householdName: name)
    }

    /// An error as a page: the sign-in page for a missing or ended session, otherwise what went
    /// wrong with the status the API would give. Unexpected errors are logged, not shown.
    func refusal(_ error: any Error, signedIn caller: ConsoleCaller?) -> Response {
        switch error {
        case let error as HearthError where error.code.category == .unauthenticated:
            return ConsoleRenderer.redirect("/console/sign-in", cookies: [ConsoleGuard.expired(ConsoleGuard.sessionCookie)])
        case let error as HearthError:
            let status = Problem.status(for: error)
            let title = status == .forbidden ? "Not allowed" : status == .notFound ? "Not found" : "That did not work"
            return renderer.message(title: title, detail: error.reason, status: status, signedIn: caller)
        case let error as OAuthError:
            return renderer.message(title: "That did not work", detail: error.description, status: .badRequest, signedIn: caller)
        case let problem as Problem:
            return renderer.message(title: "That did not work", detail: problem.detail, status: problem.status, signedIn: caller)
        default:
            hub.assembly.logger.error("console error", metadata: ["error": "\(String(reflecting: error))"])
            return renderer.message(
                title: "Something went wrong", detail: "The hub could not complete this; its log says why.",
                status: .internalServerError, signedIn: caller)
        }
    }

    /// A destructive action asks first: the same form again, confirmed.
    func confirmation(
        _ form: OAuthForm, question: String, confirmLabel: String, action: String, back: String, caller: ConsoleCaller
    ) -> Response? {
        guard form["confirmed"] != "yes" else { return nil }
        let fields = form.fields.filter { $0.name != "csrf" && $0.name != "confirmed" }.map { ["name": $0.name, "value": $0.value] }
        return renderer.page(
            "confirm", title: "Are you sure?", signedIn: caller,
            values: ["question": question, "confirmLabel": confirmLabel, "action": action, "back": back, "fields": fields])
    }

    /// The answer to a post from another origin: nothing of it is read.
    func foreignOrigin() -> Response {
        renderer.message(
            title: "Refused", detail: "This form was not sent from the console's own pages.", status: .forbidden, signedIn: nil)
    }

    /// A required form field, trimmed.
    static func required(_ form: OAuthForm, _ name: String, _ label: String) throws -> String {
        guard let value = form[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw HearthError(.invalidInput, "fill in \(label)")
        }
        return value
    }
}
