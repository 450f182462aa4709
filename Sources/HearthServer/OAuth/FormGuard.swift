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
        return (token, "\(cookieName)=\(token); Path=/; Secure; HttpOnly; SameSite=Strict")
    }

    static func check(_ request: Request, formValue: String?) -> Bool {
        guard let cookie = presented(request), let formValue else { return false }
        return constantTimeEquals(Array(cookie.utf8), Array(formValue.utf8))
    }

    private static func presented(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == cookieName, pair[1].utf8.count == 32 { return String(pair[1]) }
            }
        }
        return nil
    }
}
