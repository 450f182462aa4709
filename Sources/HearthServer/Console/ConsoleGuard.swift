import Crypto
import Foundation
import HearthCore
import HearthHub
import HearthStore
import Logging
import Hummingbird

/// The console's session cookie, CSRF tokens and origin check.
///
/// - The session is an ordinary sign-in session (``PersonSessions``) with an idle limit, its
///   token in a cookie that is `HttpOnly; Secure; SameSite=Strict; Path=/console`.
/// - Every form carries a CSRF token: an HMAC of the session's token digest under a key derived
///   from the KEK (stateless, the same on every node); the sign-in form, before any session,
///   carries a random value that must match a cookie of its own (double submit).
/// - Every POST must come from this origin: an `Origin` (or, without one, `Sec-Fetch-Site`)
///   naming another is refused before anything else is read.
struct ConsoleGuard: Sendable {
    let keys: [SymmetricKey]
    /// Console sessions end after this long unused, and this long after sign-in in any case.
    let idle: Duration
    let absolute: Duration

    static let sessionCookie = "hearth_console"
    static let signInCookie = "hearth_console_signin"
    static let deviceCookie = "hearth_console_device"

    init(keys: [SymmetricKey], idle: Duration = .seconds(30 * 60), absolute: Duration = .seconds(12 * 3600)) {
        self.keys = keys
        self.idle = idle
        self.absolute = absolute
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        "\(name)=\(value); Path=/console; Secure; HttpOnly; SameSite=Strict" + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }

    static func expired(_ name: String) -> String { cookie(name, "", maxAge: 0) }

    func csrfToken(sessionDigest: String) -> String {
        Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(("csrf:" + sessionDigest).utf8), using: keys[0])))
    }

    /// Whether `token` is the CSRF token of the session (under the current KEK or an alternate).
    func isValidCSRF(_ token: String?, sessionDigest: String) -> Bool {
        guard let token, token.utf8.count <= 64, let bytes = Base64URL.decode(token) else { return false }
        let message = Array(("csrf:" + sessionDigest).utf8)
        return keys.contains { HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: $0) }
    }

    /// Whether a state-changing request came from a page of this origin.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let origin = request.headers[.origin] {
            guard let authority = request.head.authority else { return false }
            return origin == "https://\(authority)"
        }
        if let site = request.headers[values: .init("Sec-Fetch-Site")!].first {
            return site == "same-origin" || site == "none"
        }
        // Neither header: not a browser (curl, a script), for which cross-site forgery does not
        // arise; the CSRF token is still required.
        return true
    }
}
