import Foundation
import HearthCore
import HearthHub
import Hummingbird
import NIOCore

/// Double-submit CSRF protection for the hub's forms: a random value in a `__Host-` cookie
/// (Secure, HttpOnly, SameSite=Strict) that the form must repeat.
enum FormGuard {
    static let cookieName = "__Host-hearth_csrf"

    static func issue(reusing request: Request) -> (token: String, cookie: String?) {
        if let existing = presented(request) { return (existing, nil) }
        let token = Base64URL.encode(SecureRandom.bytes(24))
        return (token, RequestCookies.setCookie(cookieName, token))
    }

    static func check(_ request: Request, formValue: String?) -> Bool {
        guard let cookie = presented(request), let formValue else { return false }
        return constantTimeEquals(Array(cookie.utf8), Array(formValue.utf8))
    }

    private static func presented(_ request: Request) -> String? {
        RequestCookies.value(cookieName, in: request).flatMap { $0.utf8.count == 32 ? $0 : nil }
    }
}
