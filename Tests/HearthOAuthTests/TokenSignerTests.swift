import Crypto
import Foundation
import HearthCore
import HearthOAuth
import HearthTesting
import Testing

@Suite struct TokenSignerTests {
    static let issuer = "https://hub.example"
    static let audience = "https://hub.example/api"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let key = SigningKey.generate()

    static func claims(iat: Int = 1_800_000_000, lifetime: Int = 300) -> AccessTokenClaims {
        AccessTokenClaims(
            iss: issuer, sub: "person-1", aud: audience, clientID: "app-1", scope: "devices:read devices:control:lighting",
            jti: "jti-1", iat: iat, exp: iat + lifetime, cnf: .init(jkt: "thumb"), act: .init(sub: "gateway-1"),
            authTime: iat - 60, acr: "mfa")
    }

    /// The claims of `claims()` as a JSON object, for tokens built by hand.
    static func claimObject(_ changes: [String: Any] = [:]) -> [String: Any] {
        var object: [String: Any] = [
            "iss": issuer, "sub": "person-1", "aud": audience, "client_id": "app-1", "scope": "devices:read",
            "jti": "jti-1", "iat": 1_800_000_000, "exp": 1_800_000_300,
        ]
        object.merge(changes) { $1 }
        return object
    }

    func header(_ changes: [String: Any] = [:]) -> [String: Any] {
        var object: [String: Any] = ["alg": "ES256", "typ": "at+jwt", "kid": key.kid]
        object.merge(changes) { $1 }
        return object
    }

    func verify(_ token: String, with signer: TokenSigner? = nil, leeway: Int = 30) async throws -> AccessTokenClaims {
        let signer = try signer ?? TokenSigner(active: key, verifying: [])
        return try await signer.verify(token, issuer: Self.issuer, audience: Self.audience, now: Self.now, leeway: leeway)
    }

    func expectRefused(_ token: String, _ description: String, with signer: TokenSigner? = nil) async {
        await #expect(throws: OAuthError(.invalidToken, description)) { _ = try await verify(token, with: signer) }
    }

    @Test func signedTokenVerifiesToTheSameClaims() async throws {
        let signer = try TokenSigner(active: key, verifying: [])
        let token = try await signer.sign(Self.claims())
        #expect(try await verify(token, with: signer) == Self.claims())
        #expect(signer.activeKID == key.kid)
    }

    @Test func headerIsExactlyTheRFC9068One() async throws {
        let token = try await TokenSigner(active: key, verifying: []).sign(Self.claims())
        let header = try #require(Base64URL.decode(token.split(separator: ".")[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"ES256","kid":"\#(key.kid)","typ":"at+jwt"}"#)
    }

    @Test func claimsUseTheRegisteredNames() async throws {
        let token = try await TokenSigner(active: key, verifying: []).sign(Self.claims())
        let payload = try #require(Base64URL.decode(token.split(separator: ".")[1]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
        #expect(Set(object.keys) == ["iss", "sub", "aud", "client_id", "scope", "jti", "iat", "exp", "cnf", "act", "auth_time", "acr"])
        #expect((object["cnf"] as? [String: Any])?["jkt"] as? String == "thumb")
    }

    @Test func acceptsTheMediaTypeFormOfTypInAnyCase() async throws {
        for typ in ["application/at+jwt", "AT+JWT", "Application/At+Jwt"] {
            let token = try TestJWS.es256(header: header(["typ": typ]), claims: Self.claimObject(), key: key.key.softwareP256!)
            #expect(try await verify(token).sub == "person-1")
        }
    }

    @Test func toleratesClockSkewWithinTheLeeway() async throws {
        let expiredJustNow = try TestJWS.es256(
            header: header(), claims: Self.claimObject(["iat": 1_799_999_690, "exp": 1_799_999_990]), key: key.key.softwareP256!)
        #expect(try await verify(expiredJustNow).jti == "jti-1")
        await #expect(throws: OAuthError(.invalidToken, "the token has expired")) {
            _ = try await verify(expiredJustNow, leeway: 5)
        }
    }

    @Test func refusesWhatIsNotACompactJWS() async {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.e30.", ".e30.sig"] {
            await expectRefused(token, "the token is not a compact JWS")
        }
    }

    @Test func refusesAHeaderThatIsNotJSON() async {
        let token = Base64URL.encode(Array("not json".utf8)) + "." + Base64URL.encode(Array("{}".utf8)) + "."
        await expectRefused(token, "the token's header is not valid JSON")
    }

    @Test func refusesAnUnsecuredToken() async throws {
        let token = try TestJWS.unsigned(header: header(["alg": "none"]), claims: Self.claimObject())
        await expectRefused(token, "the token is not signed with ES256")
    }

    /// The classic key-confusion attack: a MAC keyed with the verifier's public key.
    @Test func refusesHS256MACedWithThePublicKey() async throws {
        let token = try TestJWS.hs256(
            header: header(["alg": "HS256"]), claims: Self.claimObject(),
            secret: Array(key.publicKey.x963Representation))
        await expectRefused(token, "the token is not signed with ES256")
    }

    @Test func refusesAnotherTyp() async throws {
        for typ: Any in ["JWT", "dpop+jwt", 7] {
            let token = try TestJWS.es256(header: header(["typ": typ]), claims: Self.claimObject(), key: key.key.softwareP256!)
            let expected = typ is String ? "the token is not an access token (typ must be at+jwt)" : "the token's header is not valid JSON"
            await expectRefused(token, expected)
        }
        let untyped = try TestJWS.es256(
            header: ["alg": "ES256", "kid": key.kid], claims: Self.claimObject(), key: key.key.softwareP256!)
        await expectRefused(untyped, "the token is not an access token (typ must be at+jwt)")
    }

    @Test func refusesCriticalHeaderParameters() async throws {
        let token = try TestJWS.es256(header: header(["crit": ["b64"], "b64": false]), claims: Self.claimObject(), key: key.key.softwareP256!)
        await expectRefused(token, "the token has critical header parameters this hub does not understand")
    }

    @Test func refusesAnUnknownOrMissingKid() async throws {
        let other = SigningKey.generate()
        let unknown = try TestJWS.es256(header: header(["kid": other.kid]), claims: Self.claimObject(), key: other.key.softwareP256!)
        await expectRefused(unknown, "the token was signed with an unknown key")
        let missing = try TestJWS.es256(header: ["alg": "ES256", "typ": "at+jwt"], claims: Self.claimObject(), key: key.key.softwareP256!)
        await expectRefused(missing, "the token was signed with an unknown key")
    }

    @Test func refusesATamperedPayload() async throws {
        let token = try await TokenSigner(active: key, verifying: []).sign(Self.claims())
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = try TestJWS.part(Self.claimObject(["sub": "person-2"]))
        await expectRefused(parts.joined(separator: "."), "the token's signature does not verify")
    }

    @Test func refusesAForeignSignatureUnderAKnownKid() async throws {
        let forged = try TestJWS.es256(header: header(), claims: Self.claimObject(), key: P256.Signing.PrivateKey())
        await expectRefused(forged, "the token's signature does not verify")
        // A signature 4 bytes short, still canonical base64url (cutting the text instead would
        // leave a last character with unused bits set, refused before the signature is checked).
        let signed = try TestJWS.es256(header: header(), claims: Self.claimObject(), key: key.key.softwareP256!)
        let input = signed[..<(signed.lastIndex(of: ".") ?? signed.endIndex)]
        let signature = try #require(Base64URL.decode(signed[signed.index(after: input.endIndex)...]))
        await expectRefused(input + "." + Base64URL.encode(signature.dropLast(4)), "the token's signature does not verify")
    }

    @Test func refusesMalformedClaims() async throws {
        let noSubject = try TestJWS.es256(header: header(), claims: Self.claimObject(["sub": NSNull()]), key: key.key.softwareP256!)
        await expectRefused(noSubject, "the token's claims are malformed")
        let textTime = try TestJWS.es256(header: header(), claims: Self.claimObject(["exp": "soon"]), key: key.key.softwareP256!)
        await expectRefused(textTime, "the token's claims are malformed")
    }

    @Test func refusesAnotherIssuerOrAudience() async throws {
        let signer = try TokenSigner(active: key, verifying: [])
        var claims = Self.claims()
        claims.iss = "https://other.example"
        await expectRefused(try await signer.sign(claims), "the token was issued by another server", with: signer)
        claims = Self.claims()
        claims.aud = "https://hub.example/mqtt"
        await expectRefused(try await signer.sign(claims), "the token is meant for another audience", with: signer)
    }

    @Test func refusesAnExpiredToken() async throws {
        let signer = try TokenSigner(active: key, verifying: [])
        let token = try await signer.sign(Self.claims(iat: 1_799_999_000, lifetime: 600))
        await expectRefused(token, "the token has expired", with: signer)
    }

    @Test func refusesATokenFromTheFuture() async throws {
        let signer = try TokenSigner(active: key, verifying: [])
        let token = try await signer.sign(Self.claims(iat: 1_800_000_120))
        await expectRefused(token, "the token is issued in the future", with: signer)
    }

    @Test func refusesALongOrNegativeLifetime() async throws {
        let signer = try TokenSigner(active: key, verifying: [])
        await expectRefused(try await signer.sign(Self.claims(lifetime: 3600)), "the token's lifetime is not accepted", with: signer)
        await expectRefused(try await signer.sign(Self.claims(lifetime: 0)), "the token's lifetime is not accepted", with: signer)
        #expect(try await verify(try await signer.sign(Self.claims(lifetime: 600)), with: signer).exp == 1_800_000_600)
    }

    @Test func tokensOfTheRetiredKeyVerifyWhileItIsPublished() async throws {
        let previous = key
        let token = try await TokenSigner(active: previous, verifying: []).sign(Self.claims())
        let next = SigningKey.generate()
        let rotated = try TokenSigner(active: next, verifying: [previous.publicJWK])
        #expect(try await verify(token, with: rotated) == Self.claims())
        #expect(rotated.jwks.keys.map(\.kid) == [next.kid, previous.kid])
        let fresh = try await rotated.sign(Self.claims())
        #expect(fresh.hasPrefix(try TestJWS.part(["alg": "ES256", "kid": next.kid, "typ": "at+jwt"])))

        let dropped = try TokenSigner(active: next, verifying: [])
        await expectRefused(token, "the token was signed with an unknown key", with: dropped)
    }

    @Test func refusesAnUnusableVerifyingKey() throws {
        let broken = try JSONDecoder().decode(PublicJWK.self, from: Data(#"""
            {"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","kid":"k","use":"sig","alg":"ES256"}
            """#.utf8))
        #expect(throws: OAuthError.self) { try TokenSigner(active: key, verifying: [broken]) }
    }

    /// The first calls race to fill JWTKit's key collection; all of them must succeed.
    @Test func concurrentFirstUseVerifies() async throws {
        let signer = try TokenSigner(active: key, verifying: [SigningKey.generate().publicJWK])
        let token = try TestJWS.es256(header: header(), claims: Self.claimObject(), key: key.key.softwareP256!)
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await signer.verify(token, issuer: Self.issuer, audience: Self.audience, now: Self.now).sub
                }
            }
            for try await subject in group { #expect(subject == "person-1") }
        }
    }

    @Test func scopesSplitTheScopeClaim() {
        #expect(Self.claims().scopes == ["devices:read", "devices:control:lighting"])
    }
}

@Suite struct SigningKeyTests {
    @Test func kidIsDerivedFromThePublicKey() throws {
        let key = SigningKey.generate()
        let reloaded = try SigningKey(key: HubPrivateKey(.p256, bytes: key.key.exportableBytes ?? []))
        #expect(reloaded.kid == key.kid)
        #expect(key.kid.count == 16)
        let digest = Array(SHA256.hash(data: key.publicKey.x963Representation))
        #expect(key.kid == Base64URL.encode(digest.prefix(12)))
        #expect(SigningKey.generate().kid != key.kid)
    }

    @Test func publicJWKRoundTrips() throws {
        let key = SigningKey.generate()
        let jwk = key.publicJWK
        #expect(jwk.kty == "EC" && jwk.crv == "P-256" && jwk.use == "sig" && jwk.alg == "ES256" && jwk.kid == key.kid)
        #expect(try jwk.publicKey().x963Representation == key.publicKey.x963Representation)
        let set = JWKSet(keys: [jwk])
        #expect(try JSONDecoder().decode(JWKSet.self, from: JSONEncoder().encode(set)) == set)
        #expect(TestJWS.jwk(key.publicKey) == ["kty": "EC", "crv": "P-256", "x": jwk.x, "y": jwk.y])
    }

    @Test func publicKeyRefusesOtherKeyTypes() throws {
        let jwk = SigningKey.generate().publicJWK
        let json = String(decoding: try JSONEncoder().encode(jwk), as: UTF8.self)
        for (from, to) in [("\"P-256\"", "\"P-384\""), ("\"ES256\"", "\"ES384\""), ("\"sig\"", "\"enc\"")] {
            let changed = try JSONDecoder().decode(PublicJWK.self, from: Data(json.replacingOccurrences(of: from, with: to).utf8))
            #expect(throws: OAuthError(.invalidClient, "the key is not an ES256 signing key")) { try changed.publicKey() }
        }
        let offCurve = try JSONDecoder().decode(
            PublicJWK.self, from: Data(json.replacingOccurrences(of: jwk.y, with: jwk.x).utf8))
        #expect(throws: OAuthError(.invalidClient, "the key's coordinates are not a point on P-256")) { try offCurve.publicKey() }
    }
}
