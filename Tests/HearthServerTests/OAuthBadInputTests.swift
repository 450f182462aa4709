import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// What an attacker or a broken client sends the authorization server and the `/v1` resources:
/// forged, expired, revoked and mis-addressed access tokens; bad DPoP proofs; authorization
/// requests that must not redirect, or must redirect with an error; token requests with wrong
/// codes, verifiers, refresh tokens, client credentials or exchange subjects; a device flow polled
/// too fast, too late or after a denial. Every case gets the RFC's `error` and status, issues
/// nothing (no token, code or grant row appears), and the refusals the hub audits are in the log.
///
/// Each refused request differs from one the test also shows to succeed in a single respect, so
/// the refusal is about that respect and the test fails if the hub stops checking it.
// Serialized: each test runs a hub and dozens of curl processes; run side by side with the rest of the suite they pushed the test
// process past a thousand open descriptors.
@Suite(.serialized) struct OAuthBadInputTests {
    static let redirect = "http://127.0.0.1:9/callback"
    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"
    static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

    // MARK: - 1. access tokens at /v1

    @Test func accessTokensThatAreNotLiveHubTokensAreRefusedAtTheResource() async throws {
        try await Self.withFixture { f in
            let code = try await f.code()
            let issued = try await f.redeem(code.code, verifier: code.verifier)
            try #require(issued.status == 200, "redeem: \(issued.status) \(issued.text)")
            let token = try #require(try issued.json()["access_token"] as? String)
            #expect(try await f.me(bearer: token).status == 200, "the real token works")

            let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            try #require(parts.count == 3)
            let header = try TestJWS.object(parts[0])
            let claims = try TestJWS.object(parts[1])
            let hubKID = try #require(header["kid"] as? String)

            // A key the test holds, published by the hub as a retired signing key would be: tokens
            // it signs verify, so a claim it signs wrongly is refused for that claim alone.
            let trusted = try await f.trustRetiredKey()
            let resigned = try TestJWS.es256(header: ["alg": "ES256", "typ": "at+jwt", "kid": trusted.kid], claims: claims, key: trusted.key)
            try #require(try await f.me(bearer: resigned).status == 200, "the real claims signed by the trusted test key")

            let jwks = try await f.send("GET", "/oauth/jwks.json")
            let hubJWK = try #require((try jwks.json()["keys"] as? [[String: Any]])?.first { $0["kid"] as? String == hubKID })
            let x = try #require(Base64URL.decode(hubJWK["x"] as? String ?? ""))
            let y = try #require(Base64URL.decode(hubJWK["y"] as? String ?? ""))
            let jwkJSON = Array(try JSONSerialization.data(withJSONObject: hubJWK, options: [.sortedKeys, .withoutEscapingSlashes]))
            let hs256 = ["alg": "HS256", "typ": "at+jwt", "kid": hubKID]

            var otherAudience = claims
            otherAudience["aud"] = "https://elsewhere.example"
            var otherIssuer = claims
            otherIssuer["iss"] = "https://elsewhere.example"
            var widened = claims
            widened["scope"] = "devices:read devices:manage hub:admin"

            let forged: [(String, String)] = [
                ("not a JWT", "not-a-jwt"),
                ("three parts of garbage", "abc.def.ghi"),
                ("three parts of non-base64", "!!!.@@@.###"),
                ("alg none", try TestJWS.unsigned(header: ["alg": "none", "typ": "at+jwt", "kid": hubKID], claims: claims)),
                ("alg none keeping the real signature", try TestJWS.part(["alg": "none", "typ": "at+jwt", "kid": hubKID]) + "." + parts[1] + "." + parts[2]),
                ("HS256 keyed with x||y", try TestJWS.hs256(header: hs256, claims: claims, secret: x + y)),
                ("HS256 keyed with 04||x||y", try TestJWS.hs256(header: hs256, claims: claims, secret: [0x04] + x + y)),
                ("HS256 keyed with the JWK JSON", try TestJWS.hs256(header: hs256, claims: claims, secret: jwkJSON)),
                ("HS256 keyed with the JWKS document", try TestJWS.hs256(header: hs256, claims: claims, secret: Array(jwks.body))),
                ("ES256 by another key under the hub's kid",
                 try TestJWS.es256(header: ["alg": "ES256", "typ": "at+jwt", "kid": hubKID], claims: claims, key: P256.Signing.PrivateKey())),
                ("the real signature over widened claims", parts[0] + "." + (try TestJWS.part(widened)) + "." + parts[2]),
                ("wrong aud (signed by a trusted key)",
                 try TestJWS.es256(header: ["alg": "ES256", "typ": "at+jwt", "kid": trusted.kid], claims: otherAudience, key: trusted.key)),
                ("wrong iss (signed by a trusted key)",
                 try TestJWS.es256(header: ["alg": "ES256", "typ": "at+jwt", "kid": trusted.kid], claims: otherIssuer, key: trusted.key)),
            ]
            let before = try await f.snapshot()
            for (name, candidate) in forged {
                let response = try await f.me(bearer: candidate)
                #expect(response.status == 401, "\(name): \(response.status) \(response.text)")
                #expect(response.header("www-authenticate")?.contains("invalid_token") == true,
                        "\(name): WWW-Authenticate \(response.header("www-authenticate") ?? "none")")
            }
            #expect(try await f.snapshot() == before, "a refused token changed the database")

            // Revoked by its client (RFC 7009): refused at once, though its signature is fine.
            let revoke = try await f.send(
                "POST", "/oauth/revoke", form: [("client_id", f.app), ("token", token)])
            #expect(revoke.status == 200, "revoke: \(revoke.status) \(revoke.text)")
            let revoked = try await f.me(bearer: token)
            #expect(revoked.status == 401, "revoked: \(revoked.status) \(revoked.text)")
            #expect(revoked.header("www-authenticate")?.contains("invalid_token") == true)
            #expect(try await f.me(bearer: resigned).status == 401, "the revoked jti, signed by the trusted key")
            #expect(try await f.auditCount("oauth.token_revoked") == 1)

            // Expired: a fresh token, fine now, refused once 11 minutes (10 + leeway) have passed.
            let second = try await f.code()
            let fresh = try #require(try await f.redeem(second.code, verifier: second.verifier).json()["access_token"] as? String)
            #expect(try await f.me(bearer: fresh).status == 200)
            f.hub.clock.advance(by: 11 * 60)
            let expired = try await f.me(bearer: fresh)
            #expect(expired.status == 401, "expired: \(expired.status) \(expired.text)")
            #expect(expired.header("www-authenticate")?.contains("invalid_token") == true)
        }
    }

    // MARK: - 2. DPoP

    @Test func badDPoPProofsAtTheTokenEndpoint() async throws {
        try await Self.withFixture { f in
            let key = P256.Signing.PrivateKey()
            let code = try await f.code()
            let htu = f.issuer + "/oauth/token"

            // No server nonce yet: 400 use_dpop_nonce, and the nonce to use.
            let noNonce = try await f.redeem(code.code, verifier: code.verifier, dpop: [try f.proof(key, "POST", htu)])
            #expect(noNonce.status == 400, "\(noNonce.status) \(noNonce.text)")
            #expect(noNonce.error == "use_dpop_nonce")
            let nonce = try #require(noNonce.header("dpop-nonce"), "use_dpop_nonce without a DPoP-Nonce header")

            let other = P256.Signing.PrivateKey()
            let old = f.now - 600
            let cases: [(String, [String])] = [
                ("malformed", ["this-is-not-a-jws"]),
                ("three parts of garbage", ["abc.def.ghi"]),
                ("typ JWT", [try f.proof(key, "POST", htu, nonce: nonce, typ: "JWT")]),
                ("no typ", [try f.proof(key, "POST", htu, nonce: nonce, typ: nil)]),
                ("alg none", [try f.proof(key, "POST", htu, nonce: nonce, alg: "none")]),
                ("HS256", [try f.proof(key, "POST", htu, nonce: nonce, alg: "HS256")]),
                ("jwk with the private d", [try f.proof(key, "POST", htu, nonce: nonce, disclose: true)]),
                ("signed by a key other than its jwk", [try f.proof(key, "POST", htu, nonce: nonce, signer: other)]),
                ("htm GET", [try f.proof(key, "GET", htu, nonce: nonce)]),
                ("htu of another endpoint", [try f.proof(key, "POST", f.issuer + "/oauth/revoke", nonce: nonce)]),
                ("htu of another host", [try f.proof(key, "POST", "https://elsewhere.example/oauth/token", nonce: nonce)]),
                ("iat 10 minutes old", [try f.proof(key, "POST", htu, nonce: nonce, iat: old)]),
                ("iat 10 minutes ahead", [try f.proof(key, "POST", htu, nonce: nonce, iat: f.now + 600)]),
                ("no jti", [try f.proof(key, "POST", htu, nonce: nonce, jti: nil)]),
                ("two DPoP headers", [try f.proof(key, "POST", htu, nonce: nonce), try f.proof(key, "POST", htu, nonce: nonce)]),
            ]
            let before = try await f.snapshot()
            for (name, proofs) in cases {
                let response = try await f.redeem(code.code, verifier: code.verifier, dpop: proofs)
                #expect(response.status == 400, "\(name): \(response.status) \(response.text)")
                #expect(response.error == "invalid_dpop_proof", "\(name): \(response.text)")
            }
            // A wrong nonce is a nonce problem, answered with the right one.
            let wrongNonce = try await f.redeem(
                code.code, verifier: code.verifier, dpop: [try f.proof(key, "POST", htu, nonce: "not-the-nonce")])
            #expect(wrongNonce.status == 400 && wrongNonce.error == "use_dpop_nonce", "\(wrongNonce.status) \(wrongNonce.text)")
            #expect(wrongNonce.header("dpop-nonce") != nil)
            #expect(try await f.snapshot() == before, "a refused proof changed the database")

            // The same code with a good proof: a DPoP-bound token.
            let good = try f.proof(key, "POST", htu, nonce: nonce)
            let issued = try await f.redeem(code.code, verifier: code.verifier, dpop: [good])
            try #require(issued.status == 200, "good proof: \(issued.status) \(issued.text)")
            #expect(try issued.json()["token_type"] as? String == "DPoP")
            let refresh = try #require(try issued.json()["refresh_token"] as? String)

            // That proof again (a replayed jti), for a refresh: refused, and the refresh token is untouched.
            let afterIssue = try await f.snapshot()
            let replayed = try await f.send(
                "POST", "/oauth/token", form: [("grant_type", "refresh_token"), ("client_id", f.app), ("refresh_token", refresh)],
                headers: [("DPoP", good)])
            #expect(replayed.status == 400, "replay: \(replayed.status) \(replayed.text)")
            #expect(replayed.error == "invalid_dpop_proof", "replay: \(replayed.text)")
            #expect(try await f.snapshot() == afterIssue, "a replayed proof changed the database")
            let renewed = try await f.send(
                "POST", "/oauth/token", form: [("grant_type", "refresh_token"), ("client_id", f.app), ("refresh_token", refresh)],
                headers: [("DPoP", try f.proof(key, "POST", htu, nonce: nonce))])
            #expect(renewed.status == 200, "a fresh proof refreshes: \(renewed.status) \(renewed.text)")
        }
    }

    @Test func badDPoPProofsAtTheResource() async throws {
        try await Self.withFixture { f in
            let key = P256.Signing.PrivateKey()
            let token = try await f.dpopToken(key)
            let url = f.issuer + "/v1/me"
            let ath = TestJWS.ath(token)
            let control = try f.proof(key, "GET", url, ath: ath)
            let accepted = try await f.me(dpop: token, proofs: [control])
            try #require(accepted.status == 200, "a good proof: \(accepted.status) \(accepted.text)")

            let cases: [(String, [String])] = [
                ("no proof", []),
                ("malformed", ["this-is-not-a-jws"]),
                ("typ JWT", [try f.proof(key, "GET", url, ath: ath, typ: "JWT")]),
                ("alg none", [try f.proof(key, "GET", url, ath: ath, alg: "none")]),
                ("jwk with the private d", [try f.proof(key, "GET", url, ath: ath, disclose: true)]),
                ("htm POST", [try f.proof(key, "POST", url, ath: ath)]),
                ("htu of another resource", [try f.proof(key, "GET", f.issuer + "/v1/devices", ath: ath)]),
                ("htu of the token endpoint", [try f.proof(key, "GET", f.issuer + "/oauth/token", ath: ath)]),
                ("iat 10 minutes old", [try f.proof(key, "GET", url, ath: ath, iat: f.now - 600)]),
                ("no ath", [try f.proof(key, "GET", url)]),
                ("ath of another token", [try f.proof(key, "GET", url, ath: TestJWS.ath(token + "x"))]),
                ("signed by another key (its own jwk)", [try f.proof(P256.Signing.PrivateKey(), "GET", url, ath: ath)]),
                ("replayed jti", [control]),
                ("two DPoP headers", [try f.proof(key, "GET", url, ath: ath), try f.proof(key, "GET", url, ath: ath)]),
            ]
            let before = try await f.snapshot()
            for (name, proofs) in cases {
                let response = try await f.me(dpop: token, proofs: proofs)
                #expect(response.status == 401, "\(name): \(response.status) \(response.text)")
                #expect(response.header("www-authenticate")?.contains("invalid_dpop_proof") == true,
                        "\(name): WWW-Authenticate \(response.header("www-authenticate") ?? "none")")
            }
            // A DPoP-bound token presented as a bearer token.
            let asBearer = try await f.me(bearer: token)
            #expect(asBearer.status == 401, "as bearer: \(asBearer.status) \(asBearer.text)")
            #expect(asBearer.header("www-authenticate")?.contains("invalid_token") == true)
            #expect(try await f.snapshot() == before, "a refused proof changed the database")
            // The token itself is still good with a fresh proof.
            #expect(try await f.me(dpop: token, proofs: [try f.proof(key, "GET", url, ath: ath)]).status == 200)
        }
    }

    // MARK: - 3. the authorization endpoint

    @Test(arguments: TestEngine.allCases)
    func authorizationRequestsThatMustNotRedirectOrMustRedirectAnError(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await Self.withFixture(engine: engine) { f in
            let verifier = PKCEPair()
            let state = "st-\(UUID().uuidString)"
            func query(_ changes: [String: String?]) -> String {
                var fields: [(String, String)] = [
                    ("response_type", "code"), ("client_id", f.app), ("redirect_uri", Self.redirect),
                    ("scope", "devices:read"), ("state", state), ("code_challenge", verifier.challenge),
                    ("code_challenge_method", "S256"),
                ]
                for (name, value) in changes {
                    fields.removeAll { $0.0 == name }
                    if let value { fields.append((name, value)) }
                }
                return "/oauth/authorize?" + Form.encode(fields)
            }
            let before = try await f.snapshot()

            // Until the client and its exact redirect URI are known: a page, never a redirect.
            let pages: [(String, String)] = [
                ("unknown client", query(["client_id": "no-such-client"])),
                ("no client", query(["client_id": nil])),
                ("unregistered redirect URI", query(["redirect_uri": "http://127.0.0.1:9/other"])),
                ("redirect URI elsewhere", query(["redirect_uri": "https://attacker.example/callback"])),
                ("redirect URI with a suffix", query(["redirect_uri": Self.redirect + "/../x"])),
                ("no redirect URI", query(["redirect_uri": nil])),
            ]
            for (name, path) in pages {
                let response = try await f.send("GET", path)
                #expect(response.status == 400, "\(name): \(response.status)")
                #expect(response.header("location") == nil, "\(name) redirected to \(response.header("location") ?? "")")
                #expect(response.header("content-type")?.hasPrefix("text/html") == true, "\(name)")
            }

            // After: back to the client with the error, its state untouched, and iss.
            let redirected: [(String, String, String)] = [
                ("no PKCE", query(["code_challenge": nil, "code_challenge_method": nil]), "invalid_request"),
                ("PKCE without a method", query(["code_challenge_method": nil]), "invalid_request"),
                ("PKCE plain", query(["code_challenge": verifier.verifier, "code_challenge_method": "plain"]), "invalid_request"),
                ("a malformed challenge", query(["code_challenge": "short"]), "invalid_request"),
                ("response_type=token", query(["response_type": "token"]), "unsupported_response_type"),
                ("no response_type", query(["response_type": nil]), "unsupported_response_type"),
                // Issue 28.2: request objects and response modes the hub does not support are refused,
                // not silently ignored while the normal parameters are used.
                ("request_uri urn", query(["request_uri": "urn:ietf:params:oauth:request_uri:abc"]), "request_uri_not_supported"),
                ("request_uri https", query(["request_uri": "https://client.example/request.jwt"]), "request_uri_not_supported"),
                ("request object alg none", query(["request": "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Imh1YjphZG1pbiJ9."]), "request_not_supported"),
                ("request object signed", query(["request": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"]), "request_not_supported"),
                ("response_mode fragment", query(["response_mode": "fragment"]), "invalid_request"),
                ("response_mode form_post", query(["response_mode": "form_post"]), "invalid_request"),
                ("response_mode query.jwt", query(["response_mode": "query.jwt"]), "invalid_request"),
                ("an unknown scope", query(["scope": "devices:read everything"]), "invalid_scope"),
                ("a scope beyond the client's", query(["scope": "hub:admin"]), "invalid_scope"),
            ]
            for (name, path, error) in redirected {
                let response = try await f.send("GET", path)
                #expect(response.status == 303, "\(name): \(response.status) \(response.text)")
                let location = try #require(response.header("location"), "\(name): no Location")
                #expect(location.hasPrefix(Self.redirect + "?"), "\(name): \(location)")
                let items = Form.query(of: location)
                #expect(items["error"] == error, "\(name): \(location)")
                #expect(items["state"] == state, "\(name): state not echoed: \(location)")
                #expect(items["iss"] == f.issuer, "\(name): iss: \(location)")
                #expect(items["code"] == nil, "\(name): a code in an error redirect")
            }

            // The form: without the CSRF cookie, with a cookie that does not match, with a wrong password.
            let consent = try await f.consent(query([:]))
            let signIn = [("email", f.hub.ownerEmail), ("password", f.hub.ownerPassword), ("decision", "allow")]
            let noCookie = try await f.send("POST", "/oauth/authorize", form: consent.fields + signIn)
            #expect(noCookie.status == 403, "no CSRF cookie: \(noCookie.status)")
            #expect(noCookie.header("location") == nil)
            let otherCookie = try await f.send(
                "POST", "/oauth/authorize", form: consent.fields + signIn,
                headers: [("Cookie", "__Host-hearth_csrf=" + Base64URL.encode(SecureRandom.bytes(24)))])
            #expect(otherCookie.status == 403, "a CSRF cookie that does not match: \(otherCookie.status)")
            #expect(otherCookie.header("location") == nil)

            let failuresBefore = try await f.auditCount("session.login_failed")
            let wrongPassword = try await f.approve(consent, password: "not the password")
            #expect(wrongPassword.status == 401, "wrong password: \(wrongPassword.status)")
            #expect(wrongPassword.header("location") == nil, "wrong password redirected: \(wrongPassword.header("location") ?? "")")
            #expect(wrongPassword.header("content-type")?.hasPrefix("text/html") == true)
            #expect(!wrongPassword.text.contains("code="))
            #expect(try await f.auditCount("session.login_failed") == failuresBefore + 1, "the failed sign-in is not audited")

            // The failed sign-in's count for the back-off (address and account) is the one change.
            #expect(try await f.count("sign_in_failures") == 2, "the failed sign-in is not counted")
            #expect(try await f.snapshot() == before, "a refused authorization request changed the database")
            #expect(try await f.count("oauth_codes") == 0)

            // The same form, cookie and password right: a code (so the refusals above were about their defect).
            let allowed = try await f.approve(consent, password: f.hub.ownerPassword)
            #expect(allowed.status == 303, "allow: \(allowed.status) \(allowed.text)")
            #expect(Form.query(of: allowed.header("location") ?? "")["code"] != nil)
        }
    }

    // MARK: - 4. the token endpoint

    @Test func codeRedemptionRefusalsAndCodeReuse() async throws {
        try await Self.withFixture { f in
            let code = try await f.code()
            let refusedBefore = try await f.auditCount("oauth.token_refused")
            let before = try await f.snapshot()

            let wrongRedirect = try await f.redeem(code.code, verifier: code.verifier, redirect: "http://127.0.0.1:9/other")
            #expect(wrongRedirect.status == 400 && wrongRedirect.error == "invalid_grant",
                    "redirect_uri mismatch: \(wrongRedirect.status) \(wrongRedirect.text)")
            let wrongVerifier = try await f.redeem(code.code, verifier: PKCEPair().verifier)
            #expect(wrongVerifier.status == 400 && wrongVerifier.error == "invalid_grant",
                    "wrong verifier: \(wrongVerifier.status) \(wrongVerifier.text)")
            let unknownCode = try await f.redeem("hac_" + Base64URL.encode(SecureRandom.bytes(32)), verifier: code.verifier)
            #expect(unknownCode.status == 400 && unknownCode.error == "invalid_grant",
                    "unknown code: \(unknownCode.status) \(unknownCode.text)")
            #expect(try await f.auditCount("oauth.token_refused") == refusedBefore + 3, "the refusals are not all audited")
            #expect(try await f.snapshot() == before, "a refused redemption changed the database")

            // Redeemed properly, then presented again: refused, and what it issued is revoked.
            let first = try await f.redeem(code.code, verifier: code.verifier)
            try #require(first.status == 200, "redeem: \(first.status) \(first.text)")
            let access = try #require(try first.json()["access_token"] as? String)
            let refresh = try #require(try first.json()["refresh_token"] as? String)
            #expect(try await f.me(bearer: access).status == 200)
            let tokensBefore = try await f.count("oauth_access_tokens")
            let replaysBefore = try await f.auditCount("oauth.replay_detected")

            let again = try await f.redeem(code.code, verifier: code.verifier)
            #expect(again.status == 400 && again.error == "invalid_grant", "code reuse: \(again.status) \(again.text)")
            #expect(try await f.count("oauth_access_tokens") == tokensBefore, "the reused code issued a token")
            #expect(try await f.auditCount("oauth.replay_detected") == replaysBefore + 1, "the reuse is not audited")
            let revoked = try await f.me(bearer: access)
            #expect(revoked.status == 401, "the first token still works after the code's reuse: \(revoked.status)")
            #expect(revoked.header("www-authenticate")?.contains("invalid_token") == true)
            let refreshed = try await f.refresh(refresh)
            #expect(refreshed.status == 400 && refreshed.error == "invalid_grant",
                    "the first refresh token still works after the code's reuse: \(refreshed.status) \(refreshed.text)")
            #expect(try await f.count("oauth_access_tokens") == tokensBefore)
        }
    }

    @Test func refreshTokenReuseRevokesTheWholeFamily() async throws {
        try await Self.withFixture { f in
            let code = try await f.code()
            let first = try await f.redeem(code.code, verifier: code.verifier)
            try #require(first.status == 200, "redeem: \(first.status) \(first.text)")
            let access1 = try #require(try first.json()["access_token"] as? String)
            let refresh1 = try #require(try first.json()["refresh_token"] as? String)

            let rotated = try await f.refresh(refresh1)
            try #require(rotated.status == 200, "rotate: \(rotated.status) \(rotated.text)")
            let access2 = try #require(try rotated.json()["access_token"] as? String)
            let refresh2 = try #require(try rotated.json()["refresh_token"] as? String)
            #expect(refresh2 != refresh1)
            #expect(try await f.me(bearer: access2).status == 200)

            let tokensBefore = try await f.count("oauth_access_tokens")
            let refreshBefore = try await f.count("oauth_refresh_tokens")
            let replaysBefore = try await f.auditCount("oauth.replay_detected")
            let reused = try await f.refresh(refresh1)
            #expect(reused.status == 400 && reused.error == "invalid_grant", "reuse: \(reused.status) \(reused.text)")
            #expect(try await f.auditCount("oauth.replay_detected") == replaysBefore + 1, "the reuse is not audited")

            // The newest refresh token of the family, and every access token of it, are dead too.
            let newest = try await f.refresh(refresh2)
            #expect(newest.status == 400 && newest.error == "invalid_grant", "the newest refresh token: \(newest.status) \(newest.text)")
            #expect(try await f.me(bearer: access2).status == 401, "the newest access token survives the family's revocation")
            #expect(try await f.me(bearer: access1).status == 401)
            #expect(try await f.count("oauth_access_tokens") == tokensBefore, "a refused refresh issued an access token")
            #expect(try await f.count("oauth_refresh_tokens") == refreshBefore, "a refused refresh issued a refresh token")
            let unknown = try await f.refresh("hrt_" + Base64URL.encode(SecureRandom.bytes(32)))
            #expect(unknown.status == 400 && unknown.error == "invalid_grant", "unknown: \(unknown.status) \(unknown.text)")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func malformedTokenRequestsAndUnknownClients(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await Self.withFixture(engine: engine) { f in
            let code = try await f.code()
            let redemption = [
                ("grant_type", "authorization_code"), ("client_id", f.app), ("code", code.code),
                ("code_verifier", code.verifier), ("redirect_uri", Self.redirect),
            ]
            let body = Form.encode(redemption)
            let form = [("Content-Type", "application/x-www-form-urlencoded")]
            let basic = "Basic " + Data("\(f.app):secret".utf8).base64EncodedString()
            let refusedBefore = try await f.auditCount("oauth.token_refused")
            let before = try await f.snapshot()

            /// (name, body, headers, status, error)
            let cases: [(String, String, [(String, String)], Int, String)] = [
                ("grant_type password", Form.encode([("grant_type", "password"), ("client_id", f.app), ("username", "a"), ("password", "b")]),
                 form, 400, "unsupported_grant_type"),
                ("an unknown grant_type URN", Form.encode([("grant_type", "urn:example:no-such-grant"), ("client_id", f.app)]),
                 form, 400, "unsupported_grant_type"),
                ("a known grant the client is not registered for", Form.encode([("grant_type", "client_credentials"), ("client_id", f.app)]),
                 form, 400, "unauthorized_client"),
                ("no grant_type", Form.encode(redemption.filter { $0.0 != "grant_type" }), form, 400, "invalid_request"),
                ("grant_type repeated", body + "&grant_type=authorization_code", form, 400, "invalid_request"),
                ("code repeated", body + "&code=" + code.code, form, 400, "invalid_request"),
                ("client_id repeated", body + "&client_id=" + f.app, form, 400, "invalid_request"),
                ("JSON body", try String(decoding: JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: redemption)), as: UTF8.self),
                 [("Content-Type", "application/json")], 400, "invalid_request"),
                ("form body labelled text/plain", body, [("Content-Type", "text/plain")], 400, "invalid_request"),
                ("no content type", body, [("Content-Type", "")], 400, "invalid_request"),
                ("not percent-encoding", body + "&x=%zz", form, 400, "invalid_request"),
                ("a truncated escape", body + "&x=%4", form, 400, "invalid_request"),
                ("an escape that is not UTF-8", body + "&x=%ff", form, 400, "invalid_request"),
                // Decoded before it is read: %5F is "_", so this names the known grant.
                ("an escaped grant the client is not registered for", "grant_type=client%5Fcredentials&client_id=\(f.app)",
                 form, 400, "unauthorized_client"),
                ("client_secret_basic", body, form + [("Authorization", basic)], 401, "invalid_client"),
                ("client_secret_basic without client_id", Form.encode(redemption.filter { $0.0 != "client_id" }),
                 form + [("Authorization", basic)], 401, "invalid_client"),
                ("unknown client", Form.encode(redemption.map { $0.0 == "client_id" ? ($0.0, "no-such-client") : $0 }),
                 form, 401, "invalid_client"),
                ("no client", Form.encode(redemption.filter { $0.0 != "client_id" }), form, 401, "invalid_client"),
                ("an assertion type without an assertion",
                 body + "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer", form, 401, "invalid_client"),
            ]
            var invalidClients = 0
            for (name, body, headers, status, error) in cases {
                let response = try await f.send("POST", "/oauth/token", body: body, headers: headers)
                #expect(response.status == status, "\(name): \(response.status) \(response.text)")
                #expect(response.error == error, "\(name): \(response.text)")
                #expect(response.header("content-type") == "application/json", "\(name)")
                #expect(response.header("cache-control") == "no-store", "\(name)")
                if status == 401 {
                    invalidClients += 1
                    #expect(response.header("www-authenticate") != nil, "\(name): 401 without WWW-Authenticate")
                }
                if headers.contains(where: { $0.1.hasPrefix("Basic ") }) {
                    // RFC 6749 §5.2: a client that authenticated with the Authorization header gets a
                    // challenge of the scheme it used.
                    #expect(response.header("www-authenticate")?.lowercased().hasPrefix("basic") == true,
                            "\(name): WWW-Authenticate \(response.header("www-authenticate") ?? "none") does not match the Basic scheme used")
                }
            }
            #expect(try await f.auditCount("oauth.token_refused") == refusedBefore + invalidClients, "invalid_client refusals are not all audited")
            #expect(try await f.snapshot() == before, "a refused token request changed the database")

            // The request all of them were made from is good.
            let redeemed = try await f.send("POST", "/oauth/token", body: body, headers: form)
            #expect(redeemed.status == 200, "the well-formed redemption: \(redeemed.status) \(redeemed.text)")
        }
    }

    @Test func privateKeyJWTAssertionsThatAreNotTheClients() async throws {
        try await Self.withFixture { f in
            let key = P256.Signing.PrivateKey()
            let kid = "k1"
            let jwk = try JSONSerialization.jsonObject(with: JSONEncoder().encode(PublicJWK(kid: kid, publicKey: key.publicKey)))
            let client = try await f.register([
                "name": "Dashboard backend", "token_endpoint_auth_method": "private_key_jwt", "scope": "devices:read",
                "grant_types": ["client_credentials"], "jwks": ["keys": [jwk]],
            ])
            let audience = f.issuer + "/oauth/token"
            func assertion(
                signer: P256.Signing.PrivateKey? = nil, kid: String? = kid, alg: String = "ES256", iss: String? = nil,
                aud: Any? = nil, exp: Int? = nil, jti: String = UUID().uuidString
            ) throws -> String {
                var header: [String: Any] = ["alg": alg]
                if let kid { header["kid"] = kid }
                let claims: [String: Any] = [
                    "iss": iss ?? client, "sub": iss ?? client, "aud": aud ?? audience, "iat": f.now,
                    "exp": exp ?? f.now + 60, "jti": jti,
                ]
                if alg == "none" { return try TestJWS.unsigned(header: header, claims: claims) }
                return try TestJWS.es256(header: header, claims: claims, key: signer ?? key)
            }
            func credentials(_ assertion: String, clientID: String? = nil) async throws -> Reply {
                var fields = [
                    ("grant_type", "client_credentials"),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion),
                ]
                fields.append(("client_id", clientID ?? client))
                return try await f.send("POST", "/oauth/token", form: fields)
            }

            let good = try assertion()
            let accepted = try await credentials(good)
            try #require(accepted.status == 200, "a good assertion: \(accepted.status) \(accepted.text)")

            let other = P256.Signing.PrivateKey()
            let cases: [(String, String, String?)] = [
                ("replayed jti", good, nil),
                ("signed by another key under the client's kid", try assertion(signer: other), nil),
                ("signed by another key, no kid", try assertion(signer: other, kid: nil), nil),
                ("an unregistered kid", try assertion(kid: "k2"), nil),
                ("alg none", try assertion(alg: "none"), nil),
                ("expired", try assertion(exp: f.now - 120), nil),
                ("exp too far ahead", try assertion(exp: f.now + 7200), nil),
                ("aud of another server", try assertion(aud: "https://elsewhere.example/oauth/token"), nil),
                ("aud of another endpoint", try assertion(aud: f.issuer + "/oauth/authorize"), nil),
                ("iss and sub of another client", try assertion(iss: "someone-else"), nil),
                ("a client_id other than the assertion's", try assertion(), f.app),
            ]
            let refusedBefore = try await f.auditCount("oauth.token_refused")
            let before = try await f.snapshot()
            for (name, candidate, clientID) in cases {
                let response = try await credentials(candidate, clientID: clientID)
                #expect(response.status == 401, "\(name): \(response.status) \(response.text)")
                #expect(response.error == "invalid_client", "\(name): \(response.text)")
            }
            // client_secret_post (and client_secret_basic) for this confidential client.
            let secretPost = try await f.send(
                "POST", "/oauth/token", form: [("grant_type", "client_credentials"), ("client_id", client), ("client_secret", "secret")])
            #expect(secretPost.status == 401 && secretPost.error == "invalid_client", "client_secret_post: \(secretPost.status) \(secretPost.text)")
            let secretBasic = try await f.send(
                "POST", "/oauth/token", form: [("grant_type", "client_credentials")],
                headers: [("Authorization", "Basic " + Data("\(client):secret".utf8).base64EncodedString())])
            #expect(secretBasic.status == 401 && secretBasic.error == "invalid_client",
                    "client_secret_basic: \(secretBasic.status) \(secretBasic.text)")
            #expect(try await f.auditCount("oauth.token_refused") == refusedBefore + cases.count + 2, "the refusals are not all audited")
            #expect(try await f.snapshot() == before, "a refused assertion changed the database")
            let fresh = try await credentials(try assertion())
            #expect(fresh.status == 200, "a fresh good assertion: \(fresh.status) \(fresh.text)")
        }
    }

    @Test func tokenExchangeOnlyForDevicesBehindTheGateway() async throws {
        try await Self.withFixture { f in
            let folder = try TemporaryFolder.make(prefix: "oauth-bad-input")
            defer { try? FileManager.default.removeItem(at: folder) }
            let hall = try await f.gateway("hall-gateway", folder: folder)
            let garage = try await f.gateway("garage-gateway", folder: folder)
            let bulb = try await f.behind(hall.id, "bulb")
            let door = try await f.behind(garage.id, "door")
            let lamp = try #require(try await PKITools.issue(
                f.hub, token: f.owner, folder: folder, name: "lamp", fields: ["name": "lamp"]).fields["device"] as? String)

            let own = try await f.send(
                "POST", "/oauth/token", form: [("grant_type", "client_credentials"), ("client_id", hall.client)],
                certificate: hall.files)
            try #require(own.status == 200, "client credentials: \(own.status) \(own.text)")
            let actor = try #require(try own.json()["access_token"] as? String)
            func exchange(_ subject: String, certificate: (String, String)? = nil) async throws -> Reply {
                try await f.send(
                    "POST", "/oauth/token",
                    form: [
                        ("grant_type", Self.tokenExchangeGrant), ("client_id", hall.client),
                        ("subject_token_type", "urn:hearth:params:oauth:token-type:device-id"), ("subject_token", subject),
                        ("actor_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("actor_token", actor),
                    ],
                    certificate: certificate ?? hall.files)
            }
            let forBulb = try await exchange(bulb)
            #expect(forBulb.status == 200, "the device behind the gateway: \(forBulb.status) \(forBulb.text)")

            let refusedBefore = try await f.auditCount("oauth.token_refused")
            let before = try await f.snapshot()
            let strangers: [(String, String)] = [
                ("a device behind another gateway", door),
                ("a device behind no gateway", lamp),
                ("the gateway itself", hall.id),
                ("another gateway", garage.id),
                ("an unknown device", "dev_" + Base64URL.encode(SecureRandom.bytes(16))),
            ]
            for (name, subject) in strangers {
                let response = try await exchange(subject)
                #expect(response.status == 400, "\(name): \(response.status) \(response.text)")
                #expect(response.error == "invalid_grant", "\(name): \(response.text)")
            }
            #expect(try await f.auditCount("oauth.token_refused") == refusedBefore + strangers.count, "the refusals are not all audited")
            // Another gateway's certificate does not authenticate this gateway's client.
            let wrongCertificate = try await exchange(bulb, certificate: garage.files)
            #expect(wrongCertificate.status == 401 && wrongCertificate.error == "invalid_client",
                    "another gateway's certificate: \(wrongCertificate.status) \(wrongCertificate.text)")
            #expect(try await f.snapshot() == before, "a refused exchange changed the database")
        }
    }

    // MARK: - 5. the device flow

    @Test func deviceFlowPollingRefusals() async throws {
        try await Self.withFixture { f in
            func start() async throws -> (deviceCode: String, userCode: String) {
                let response = try await f.send(
                    "POST", "/oauth/device_authorization", form: [("client_id", f.app), ("scope", "devices:read")])
                try #require(response.status == 200, "device authorization: \(response.status) \(response.text)")
                return (
                    try #require(try response.json()["device_code"] as? String),
                    try #require(try response.json()["user_code"] as? String))
            }
            func poll(_ deviceCode: String) async throws -> Reply {
                try await f.send(
                    "POST", "/oauth/token",
                    form: [("grant_type", Self.deviceCodeGrant), ("client_id", f.app), ("device_code", deviceCode)])
            }
            let pending = try await start().deviceCode
            let first = try await poll(pending)
            #expect(first.status == 400 && first.error == "authorization_pending", "first poll: \(first.status) \(first.text)")
            let tooFast = try await poll(pending)
            #expect(tooFast.status == 400 && tooFast.error == "slow_down", "an immediate second poll: \(tooFast.status) \(tooFast.text)")
            // The interval grew by 5 s (RFC 8628 §3.5): 6 s later is still too fast.
            f.hub.clock.advance(by: 6)
            let stillTooFast = try await poll(pending)
            #expect(stillTooFast.status == 400 && stillTooFast.error == "slow_down",
                    "6 s after a slow_down: \(stillTooFast.status) \(stillTooFast.text)")

            let refusedBefore = try await f.auditCount("oauth.token_refused")
            let unknown = try await poll("hdc_" + Base64URL.encode(SecureRandom.bytes(32)))
            #expect(unknown.status == 400 && unknown.error == "invalid_grant", "unknown device code: \(unknown.status) \(unknown.text)")
            #expect(try await f.auditCount("oauth.token_refused") == refusedBefore + 1, "the unknown device code is not audited")

            // Denied by the person: access_denied once, then the code is gone.
            let denied = try await start()
            let page = try await f.send("GET", "/oauth/device")
            let cookie = try #require(page.cookie, "the verification page sets no CSRF cookie")
            let decision = try await f.send(
                "POST", "/oauth/device",
                form: Form.hiddenInputs(page.text) + [
                    ("user_code", denied.userCode), ("email", f.hub.ownerEmail), ("password", f.hub.ownerPassword),
                    ("decision", "deny"),
                ],
                headers: [("Cookie", cookie)])
            #expect(decision.status == 200, "deny: \(decision.status) \(decision.text)")
            #expect(try await f.auditCount("oauth.consent_denied") == 1)
            let refused = try await poll(denied.deviceCode)
            #expect(refused.status == 400 && refused.error == "access_denied", "after a denial: \(refused.status) \(refused.text)")
            f.hub.clock.advance(by: 6)
            let afterDenial = try await poll(denied.deviceCode)
            #expect(afterDenial.status == 400 && afterDenial.error == "invalid_grant",
                    "polling again after access_denied: \(afterDenial.status) \(afterDenial.text)")

            // Expired: 11 minutes after it started, a pending request answers expired_token.
            f.hub.clock.advance(by: 11 * 60)
            let expired = try await poll(pending)
            #expect(expired.status == 400 && expired.error == "expired_token", "expired: \(expired.status) \(expired.text)")

            #expect(try await f.count("oauth_access_tokens") == 0, "the device flow issued a token")
            #expect(try await f.count("oauth_refresh_tokens") == 0)
            #expect(try await f.count("oauth_grants") == 0)
        }
    }
}

// MARK: - the fixture

extension OAuthBadInputTests {
    /// A hub (the throttle opened wide: the cases fail on purpose, many times), the owner's
    /// session, the issuer, and a public app registered for the code and device grants.
    struct Fixture: Sendable {
        let hub: TestHub
        let owner: String
        let issuer: String
        let app: String

        var now: Int { Int(hub.clock.now.timeIntervalSince1970) }

        func send(
            _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [],
            certificate: (String, String)? = nil
        ) async throws -> Reply {
            try await Reply.send(hub, method, path, body: body, headers: headers, certificate: certificate)
        }

        /// A form-encoded request.
        func send(
            _ method: String, _ path: String, form: [(String, String)], headers: [(String, String)] = [],
            certificate: (String, String)? = nil
        ) async throws -> Reply {
            try await send(
                method, path, body: Form.encode(form),
                headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, certificate: certificate)
        }

        func me(bearer token: String) async throws -> Reply {
            try await send("GET", "/v1/me", headers: [("Authorization", "Bearer \(token)")])
        }

        func me(dpop token: String, proofs: [String]) async throws -> Reply {
            try await send("GET", "/v1/me", headers: [("Authorization", "DPoP \(token)")] + proofs.map { ("DPoP", $0) })
        }

        /// Registers a client as the owner; returns its id.
        func register(_ body: [String: Any]) async throws -> String {
            let response = try await hub.client.json("POST", "/v1/oauth/clients", body, headers: PKITools.bearer(owner))
            try #require(response.status == 201, "register: \(response.status) \(response.text)")
            return try #require(try response.json()["client_id"] as? String)
        }

        /// A gateway: its certificate (issued by the owner), and a `tls_client_auth` client for it
        /// allowed client credentials and token exchange.
        func gateway(_ name: String, folder: URL) async throws -> (id: String, client: String, files: (String, String)) {
            let issued = try await PKITools.issue(hub, token: owner, folder: folder, name: name, profile: "gateway", fields: ["name": name])
            let id = try #require(issued.fields["device"] as? String, "\(issued.fields)")
            let client = try await register([
                "name": name, "token_endpoint_auth_method": "tls_client_auth", "device_id": id, "scope": "devices:read",
                "grant_types": ["client_credentials", OAuthBadInputTests.tokenExchangeGrant],
            ])
            return (id, client, (issued.chain, issued.key))
        }

        /// Registers a device behind `gateway`; returns its id.
        func behind(_ gateway: String, _ name: String) async throws -> String {
            let response = try await hub.client.json(
                "POST", "/v1/devices/\(gateway)/behind", ["name": name], headers: PKITools.bearer(owner))
            try #require(response.status == 201, "behind: \(response.status) \(response.text)")
            return try #require(try response.json()["id"] as? String)
        }

        /// The sign-in and consent page for `path`, its CSRF cookie and hidden fields.
        func consent(_ path: String) async throws -> Consent {
            let page = try await send("GET", path)
            try #require(page.status == 200, "consent page: \(page.status) \(page.text)")
            let cookie = try #require(page.cookie, "the consent page sets no CSRF cookie")
            return Consent(cookie: cookie, fields: Form.hiddenInputs(page.text))
        }

        func approve(_ consent: Consent, password: String, decision: String = "allow") async throws -> Reply {
            try await send(
                "POST", "/oauth/authorize",
                form: consent.fields + [("email", hub.ownerEmail), ("password", password), ("decision", decision)],
                headers: [("Cookie", consent.cookie)])
        }

        /// An authorization code for the app, as the owner allowing it on the consent page.
        func code(scope: String = "devices:read offline_access") async throws -> (code: String, verifier: String) {
            let pkce = PKCEPair()
            let query = Form.encode([
                ("response_type", "code"), ("client_id", app), ("redirect_uri", OAuthBadInputTests.redirect), ("scope", scope),
                ("state", "s1"), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256"),
            ])
            let consent = try await consent("/oauth/authorize?" + query)
            let allowed = try await approve(consent, password: hub.ownerPassword)
            try #require(allowed.status == 303, "allow: \(allowed.status) \(allowed.text)")
            let location = try #require(allowed.header("location"))
            let items = Form.query(of: location)
            try #require(items["state"] == "s1" && items["iss"] == issuer, "\(location)")
            return (try #require(items["code"], "no code in \(location)"), pkce.verifier)
        }

        func redeem(
            _ code: String, verifier: String, redirect: String = OAuthBadInputTests.redirect, dpop: [String] = []
        ) async throws -> Reply {
            try await send(
                "POST", "/oauth/token",
                form: [
                    ("grant_type", "authorization_code"), ("client_id", app), ("code", code), ("code_verifier", verifier),
                    ("redirect_uri", redirect),
                ],
                headers: dpop.map { ("DPoP", $0) })
        }

        func refresh(_ token: String) async throws -> Reply {
            try await send("POST", "/oauth/token", form: [("grant_type", "refresh_token"), ("client_id", app), ("refresh_token", token)])
        }

        /// A DPoP-bound access token for `key` (after the nonce round trip).
        func dpopToken(_ key: P256.Signing.PrivateKey, scope: String = "devices:read offline_access") async throws -> String {
            let code = try await code(scope: scope)
            let htu = issuer + "/oauth/token"
            let first = try await redeem(code.code, verifier: code.verifier, dpop: [try proof(key, "POST", htu)])
            let nonce = try #require(first.header("dpop-nonce"), "\(first.status) \(first.text)")
            let issued = try await redeem(code.code, verifier: code.verifier, dpop: [try proof(key, "POST", htu, nonce: nonce)])
            try #require(issued.status == 200, "DPoP token: \(issued.status) \(issued.text)")
            try #require(try issued.json()["token_type"] as? String == "DPoP")
            return try #require(try issued.json()["access_token"] as? String)
        }

        /// A DPoP proof (RFC 9449 §4.2) by `key`, with one thing changed at a time.
        func proof(
            _ key: P256.Signing.PrivateKey, _ htm: String, _ htu: String, nonce: String? = nil, ath: String? = nil,
            iat: Int? = nil, jti: String? = UUID().uuidString, typ: String? = "dpop+jwt", alg: String = "ES256",
            disclose: Bool = false, signer: P256.Signing.PrivateKey? = nil
        ) throws -> String {
            var jwk = TestJWS.jwk(key.publicKey)
            if disclose { jwk["d"] = Base64URL.encode(Array(key.rawRepresentation)) }
            var header: [String: Any] = ["alg": alg, "jwk": jwk]
            if let typ { header["typ"] = typ }
            var claims: [String: Any] = ["htm": htm, "htu": htu, "iat": iat ?? now]
            if let jti { claims["jti"] = jti }
            if let nonce { claims["nonce"] = nonce }
            if let ath { claims["ath"] = ath }
            switch alg {
            case "none": return try TestJWS.unsigned(header: header, claims: claims)
            case "HS256": return try TestJWS.hs256(header: header, claims: claims, secret: Array(key.publicKey.x963Representation))
            default: return try TestJWS.es256(header: header, claims: claims, key: signer ?? key)
            }
        }

        /// Publishes a test-held P-256 key as a retired token-signing key (as a rotation leaves
        /// the previous one) and waits until the hub verifies with it.
        func trustRetiredKey() async throws -> (kid: String, key: P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let kid = "test-" + Base64URL.encode(SecureRandom.bytes(6))
            let jwk = String(decoding: try JSONEncoder().encode(PublicJWK(kid: kid, publicKey: key.publicKey)), as: UTF8.self)
            let at = hub.clock.now
            try await hub.store.write { db in
                try await db.oauthKeys.insert(OAuthSigningKeyRecord(
                    kid: kid, sealedKey: [0], publicJWK: jwk, createdAt: at.addingTimeInterval(-60), retiredAt: at,
                    verifyUntil: at.addingTimeInterval(3600)))
            }
            // The hub's key watch polls every 5 s.
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await send("GET", "/oauth/jwks.json").text.contains(kid) { return (kid, key) }
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("the hub did not publish the retired test key within 30 s")
            throw Failure( "retired key not loaded")
        }

        func auditCount(_ action: String) async throws -> Int {
            try await hub.store.read { db in try await db.audit.entries(AuditQuery(action: action, limit: 10_000)).count }
        }

        func count(_ table: String) async throws -> Int {
            try await hub.store.read { db in try await db.db.query("SELECT * FROM \(table)").count }
        }

        /// Every table but the audit log's, the OAuth tables included (DatabaseSnapshot predates them).
        func snapshot() async throws -> [String: [String]] {
            var tables = try await DatabaseSnapshot.take(hub.store).withoutRefusalRecords.tables
            let oauth = try await hub.store.read { db in
                var tables: [String: [String]] = [:]
                for table in OAuthBadInputTests.oauthTables {
                    tables[table] = try await db.db.query("SELECT * FROM \(table)").map { row in
                        row.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|")
                    }.sorted()
                }
                return tables
            }
            tables.merge(oauth) { $1 }
            return tables
        }
    }

    static let oauthTables = [
        "oauth_signing_keys", "oauth_clients", "oauth_grants", "oauth_refresh_tokens", "oauth_access_tokens", "oauth_codes",
        "oauth_device_authorizations", "oauth_used_assertions", "person_second_factors", "person_recovery_codes",
    ]

    struct Consent: Sendable {
        let cookie: String
        let fields: [(String, String)]
    }

    static func withFixture(
        engine: TestEngine = .sqlite, _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        try await withTestHub(engine: engine, configure: { $0.signInFreeFailures = 10_000 }) { hub in
            let owner = try await PKITools.token(hub)
            let metadata = try await hub.client.request("GET", "/.well-known/oauth-authorization-server")
            let issuer = try #require(try metadata.json()["issuer"] as? String)
            #expect(issuer == "https://127.0.0.1:\(hub.port)")
            let response = try await hub.client.json(
                "POST", "/v1/oauth/clients",
                [
                    "name": "Phone app", "token_endpoint_auth_method": "none", "redirect_uris": [Self.redirect],
                    "grant_types": ["authorization_code", "refresh_token", Self.deviceCodeGrant],
                    "scope": "devices:read devices:manage offline_access",
                ],
                headers: PKITools.bearer(owner))
            try #require(response.status == 201, "register the app: \(response.status) \(response.text)")
            let app = try #require(try response.json()["client_id"] as? String)
            // The signing key exists before any snapshot (it is made on first use).
            _ = try await hub.client.request("GET", "/oauth/jwks.json")
            try await body(Fixture(hub: hub, owner: owner, issuer: issuer, app: app))
        }
    }
}

// MARK: - HTTP, forms, JWS

extension OAuthBadInputTests {
/// One HTTP exchange made by curl, with repeated request headers allowed (two DPoP proofs) and a
/// client certificate when asked.
struct Reply: Sendable {
    let status: Int
    /// Names lower-cased, in order, repeated ones kept.
    let headers: [(String, String)]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }

    func json() throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Failure( "not a JSON object (\(status)): \(text)")
        }
        return object
    }

    /// The OAuth `error` of a JSON error body.
    var error: String? { (try? json())?["error"] as? String }

    /// `name=value` of the CSRF cookie the page set.
    var cookie: String? {
        headers.filter { $0.0 == "set-cookie" }.map { $0.1.split(separator: ";")[0] }
            .first { $0.hasPrefix("__Host-hearth_csrf=") }.map(String.init)
    }

    static func send(
        _ hub: TestHub, _ method: String, _ path: String, body: String?, headers: [(String, String)],
        certificate: (String, String)?
    ) async throws -> Reply {
        let scratch = try TemporaryFolder.make(prefix: "oauth-curl")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let headerFile = scratch.appendingPathComponent("headers")
        let bodyFile = scratch.appendingPathComponent("body")
        var arguments = [
            "-sS", "--cacert", hub.certificatePath, "-X", method, "-D", headerFile.path, "-o", bodyFile.path, "--max-time", "30",
        ]
        if let (chain, key) = certificate { arguments += ["--cert", chain, "--key", key] }
        for (name, value) in headers { arguments += ["-H", value.isEmpty ? "\(name):" : "\(name): \(value)"] }
        if let body {
            let requestFile = scratch.appendingPathComponent("request")
            try Data(body.utf8).write(to: requestFile)
            arguments += ["--data-binary", "@" + requestFile.path]
        }
        arguments.append("https://127.0.0.1:\(hub.port)\(path)")
        let result = try await ProcessRunner.run(PKITools.curl, arguments)
        guard result.status == 0 else { throw Failure( "curl exited \(result.status): \(result.standardError)") }
        let text = try String(contentsOf: headerFile, encoding: .utf8)
        // The last response block (a 100 Continue may precede it).
        let block = text.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("HTTP/") }.last ?? ""
        var lines = block.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure( "no HTTP status line in \(text)")
        }
        lines.removeFirst()
        let parsed = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Reply(status: status, headers: parsed, body: (try? Data(contentsOf: bodyFile)) ?? Data())
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Form {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// The query parameters of a URL (the last value of a repeated one).
    static func query(of url: String) -> [String: String] {
        var items: [String: String] = [:]
        for item in URLComponents(string: url)?.queryItems ?? [] { items[item.name] = item.value }
        return items
    }

    /// The hidden inputs of a page, HTML-unescaped.
    static func hiddenInputs(_ html: String) -> [(String, String)] {
        html.matches(of: #/<input type="hidden" name="([^"]*)" value="([^"]*)">/#).map {
            (unescape(String($0.output.1)), unescape(String($0.output.2)))
        }
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// A PKCE verifier (RFC 7636 §4.1) and its S256 challenge.
struct PKCEPair: Sendable {
    let verifier = Base64URL.encode(SecureRandom.bytes(32))
    var challenge: String { Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8)))) }
}

}
