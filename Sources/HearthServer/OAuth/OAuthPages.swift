import Foundation
import HearthCore
import HearthHub
import Hummingbird
import NIOCore

/// The hub's few HTML pages (sign-in and consent, device verification, outcomes): static markup,
/// every value escaped, no script, and headers that forbid framing (clickjacking) and caching.
enum OAuthPages {
    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }

    static func hidden(_ fields: [(String, String)]) -> String {
        fields.map { #"<input type="hidden" name="\#(escape($0.0))" value="\#(escape($0.1))">"# }.joined(separator: "\n")
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Hearth</title>
        <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
        label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=email],input[type=password]{width:100%;padding:.4rem}
        .error{color:#a00;border:1px solid #a00;padding:.5rem}ul.scopes li{margin:.2rem 0}button{margin:1rem .5rem 0 0;padding:.5rem 1rem}</style>
        </head><body><h1>\(escape(title))</h1>
        \(body)
        </body></html>
        """
    }

    static func signInFields(email: String) -> String {
        """
        <label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="\(escape(email))" required>
        <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <label for="totp">Authenticator code (if you enrolled one)</label><input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code">
        """
    }

    static func error(_ message: String?) -> String {
        message.map { #"<p class="error" role="alert">\#(escape($0))</p>"# } ?? ""
    }

    /// Headers of every page: no framing (RFC 9700 §4.16), no caching, no referrer leaking the
    /// query (which holds the state and code challenge), no script at all.
    static func response(
        _ html: String, status: HTTPResponse.Status = .ok, cookie: String? = nil, retryAfter: Int? = nil
    ) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .init("X-Frame-Options")!: "DENY",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
            .init("Referrer-Policy")!: "no-referrer",
            .init("X-Content-Type-Options")!: "nosniff",
        ]
        if let cookie { headers[.setCookie] = cookie }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
