import Foundation
import Hummingbird

/// The hub's own cookies: read from a request's `Cookie` headers, set as `__Host-` cookies
/// (Secure, HttpOnly, SameSite=Strict, Path=/: bound to this origin, never sent cross-site).
enum RequestCookies {
    static func value(_ name: String, in request: Request, maximumLength: Int = 128) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name, pair[1].utf8.count <= maximumLength { return String(pair[1]) }
            }
        }
        return nil
    }

    static func setCookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Strict" + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }
}
