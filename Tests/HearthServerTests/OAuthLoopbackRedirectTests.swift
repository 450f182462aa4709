import Crypto
import Foundation
import HearthCore
import HearthHub
import HearthOAuth
import HearthTesting
import Testing

/// RFC 8252 §7.3 at the real endpoints (issue 18, item 7): a public native client registered with
/// a loopback redirect URI may come back on whatever port its listener got, and redeem the code
/// with that same URI; a confidential client may not, and the path must match exactly.
@Suite(.serialized) struct OAuthLoopbackRedirectTests {
    typealias People = OAuthPeopleTests

    /// The authorization request's parameters (the page is only opened, not answered).
    static func request(client: String, redirect: String) -> [(String, String)] {
        let verifier = Base64URL.encode(SecureRandom.bytes(32))
        return [
            ("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", "devices:read"),
            ("state", "s1"), ("code_challenge", Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))),
            ("code_challenge_method", "S256"),
        ]
    }

    static func redeem(_ hub: TestHub, client: String, redirect: String, _ authorization: People.Browser.Authorization)
        async throws -> CurlClient.Response
    {
        try await People.form(hub, "/oauth/token", [
            ("grant_type", "authorization_code"), ("code", authorization.code ?? ""), ("redirect_uri", redirect),
            ("client_id", client), ("code_verifier", authorization.verifier),
        ])
    }

    @Test func aPublicClientsLoopbackRedirectMayUseAnyPort() async throws {
        try await withTestHub(configure: { $0.signInFreeFailures = 50 }) { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let (session, _) = try await People.session(hub)
            let app = try #require(try await People.register(hub, session: session, [
                "name": "Desktop app", "token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/cb"],
                "scope": "devices:read",
            ])["client_id"] as? String)

            // The port the app's listener got today: the code comes back there and is redeemed with it.
            let redirect = "http://127.0.0.1:51234/cb"
            let authorization = try await browser.authorize(
                client: app, scope: "devices:read", email: hub.ownerEmail, password: hub.ownerPassword, redirect: redirect)
            #expect(authorization.answer.status == 303)
            #expect(authorization.answer.location?.hasPrefix(redirect + "?") == true, "\(authorization.answer.location ?? "")")
            #expect(authorization.code != nil, "\(authorization.answer.location ?? authorization.answer.body)")
            let tokens = try await Self.redeem(hub, client: app, redirect: redirect, authorization)
            #expect(tokens.status == 200, "\(tokens.text)")
            #expect(try tokens.json()["access_token"] is String)

            // The code is bound to the URI as presented: another port at the token endpoint is refused.
            let second = try await browser.authorize(
                client: app, scope: "devices:read", email: hub.ownerEmail, password: hub.ownerPassword, redirect: redirect)
            let otherPort = try await Self.redeem(hub, client: app, redirect: "http://127.0.0.1:51235/cb", second)
            #expect(otherPort.status == 400 && (try? otherPort.json()["error"] as? String) == "invalid_grant", "\(otherPort.text)")

            // Another path, another host or localhost: the page refuses and redirects nowhere.
            for refused in ["http://127.0.0.1:51234/other", "http://127.0.0.1:51234/cb?x=1", "http://localhost:51234/cb",
                            "http://127.0.0.2:51234/cb"] {
                let page = try await browser.get("/oauth/authorize", Self.request(client: app, redirect: refused))
                #expect(page.status == 400 && page.location == nil, "\(refused): \(page.status) \(page.location ?? "")")
                #expect(page.body.contains("did not register"), "\(refused)")
            }

            // IPv6 loopback, registered with a port, on another port.
            let v6 = try #require(try await People.register(hub, session: session, [
                "name": "Desktop app v6", "token_endpoint_auth_method": "none", "redirect_uris": ["http://[::1]:1234/cb"],
                "scope": "devices:read",
            ])["client_id"] as? String)
            let v6Page = try await browser.get("/oauth/authorize", Self.request(client: v6, redirect: "http://[::1]:40000/cb"))
            #expect(v6Page.status == 200, "\(v6Page.status) \(v6Page.body)")
        }
    }

    @Test func aConfidentialClientsLoopbackRedirectMustMatchExactly() async throws {
        try await withTestHub { hub in
            let browser = try People.Browser(hub)
            defer { browser.close() }
            let (session, _) = try await People.session(hub)
            let key = People.AssertionKey()
            let server = try #require(try await People.register(hub, session: session, [
                "name": "Dashboard backend", "token_endpoint_auth_method": "private_key_jwt", "scope": "devices:read",
                "grant_types": ["authorization_code"], "redirect_uris": ["http://127.0.0.1:1234/cb"], "jwks": key.jwks,
            ])["client_id"] as? String)

            let exact = try await browser.get("/oauth/authorize", Self.request(client: server, redirect: "http://127.0.0.1:1234/cb"))
            #expect(exact.status == 200, "\(exact.status) \(exact.body)")
            let otherPort = try await browser.get(
                "/oauth/authorize", Self.request(client: server, redirect: "http://127.0.0.1:51234/cb"))
            #expect(otherPort.status == 400 && otherPort.location == nil, "\(otherPort.status) \(otherPort.location ?? "")")
            #expect(otherPort.body.contains("did not register"))
        }
    }
}
