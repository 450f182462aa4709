import Crypto
import Foundation
import HearthCore
import HearthOAuth
import HearthTesting
import Testing

@Suite struct DPoPVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let url = "https://hub.example/oauth/token"
    let key = P256.Signing.PrivateKey()
    let verifier = DPoPVerifier()

    func proof(header changes: [String: Any] = [:], claims claimChanges: [String: Any] = [:], signer: P256.Signing.PrivateKey? = nil) throws -> String {
        var header: [String: Any] = ["typ": "dpop+jwt", "alg": "ES256", "jwk": TestJWS.jwk(key.publicKey)]
        header.merge(changes) { $1 }
        var claims: [String: Any] = ["jti": "proof-1", "htm": "POST", "htu": Self.url, "iat": 1_800_000_000]
        claims.merge(claimChanges) { $1 }
        return try TestJWS.es256(header: header, claims: claims, key: signer ?? key)
    }

    func verify(
        _ proof: String, method: String = "POST", url: String = Self.url, accessToken: String? = nil, nonce: String? = nil
    ) throws -> VerifiedProof {
        try verifier.verify(proof: proof, method: method, url: url, accessToken: accessToken, expectedNonce: nonce, now: Self.now)
    }

    func expectInvalid(_ proof: String, _ description: String, accessToken: String? = nil) {
        #expect(throws: OAuthError(.invalidDPoPProof, description)) { try verify(proof, accessToken: accessToken) }
    }

    @Test func acceptsAValidProof() throws {
        let verified = try verify(try proof())
        #expect(verified == VerifiedProof(jkt: try jwkThumbprint(TestJWS.jwk(key.publicKey)), jti: "proof-1", iat: 1_800_000_000))
    }

    @Test func acceptsAnEd25519Proof() throws {
        let edKey = Curve25519.Signing.PrivateKey()
        let proof = try TestJWS.ed25519(
            header: ["typ": "dpop+jwt", "alg": "EdDSA", "jwk": TestJWS.jwk(edKey.publicKey)],
            claims: ["jti": "proof-2", "htm": "POST", "htu": Self.url, "iat": 1_800_000_000], key: edKey)
        #expect(try verify(proof).jkt == jwkThumbprint(TestJWS.jwk(edKey.publicKey)))
    }

    /// WebCrypto exports JWKs with `ext` and `key_ops`; they are not part of the thumbprint.
    @Test func toleratesExtraJWKMembers() throws {
        var jwk: [String: Any] = TestJWS.jwk(key.publicKey)
        jwk["ext"] = true
        jwk["key_ops"] = ["verify"]
        #expect(try verify(try proof(header: ["jwk": jwk])).jkt == jwkThumbprint(TestJWS.jwk(key.publicKey)))
    }

    @Test func acceptsAMatchingAccessTokenHashAndNonce() throws {
        let token = "eyJhbGciOiJFUzI1NiJ9.e30.sig"
        let ath = Base64URL.encode(Array(SHA256.hash(data: Array(token.utf8))))
        let proof = try proof(claims: ["ath": ath, "nonce": "n-1"])
        #expect(try verify(proof, accessToken: token, nonce: "n-1").jti == "proof-1")
    }

    @Test func comparesHTUWithoutQueryOrFragmentAndWithNormalizedSchemeAndHost() throws {
        let proof = try proof(claims: ["htu": "HTTPS://Hub.Example:443/oauth/token?ignored=1"])
        #expect(try verify(proof, url: "https://hub.example/oauth/token?state=2#frag").jti == "proof-1")
        let portProof = try self.proof(claims: ["htu": "https://hub.example:8443/oauth/token"])
        #expect(try verify(portProof, url: "https://HUB.example:8443/oauth/token").jti == "proof-1")
    }

    @Test func refusesAnotherTyp() throws {
        expectInvalid(try proof(header: ["typ": "JWT"]), "the DPoP proof's typ must be dpop+jwt")
        expectInvalid(try proof(header: ["typ": "at+jwt"]), "the DPoP proof's typ must be dpop+jwt")
    }

    @Test func refusesNoneAndMACAlgorithms() throws {
        let header: [String: Any] = ["typ": "dpop+jwt", "alg": "none", "jwk": TestJWS.jwk(key.publicKey)]
        let claims: [String: Any] = ["jti": "proof-1", "htm": "POST", "htu": Self.url, "iat": 1_800_000_000]
        expectInvalid(try TestJWS.unsigned(header: header, claims: claims), "the DPoP proof's alg must be ES256 or EdDSA")
        var hs = header
        hs["alg"] = "HS256"
        let mac = try TestJWS.hs256(header: hs, claims: claims, secret: Array(key.publicKey.x963Representation))
        expectInvalid(mac, "the DPoP proof's alg must be ES256 or EdDSA")
    }

    @Test func refusesAKeyThatDoesNotFitTheAlg() throws {
        let edKey = Curve25519.Signing.PrivateKey()
        expectInvalid(try proof(header: ["jwk": TestJWS.jwk(edKey.publicKey)]), "the DPoP proof's jwk does not fit its alg")
    }

    @Test func refusesAPrivateKeyInTheHeader() throws {
        var jwk = TestJWS.jwk(key.publicKey)
        jwk["d"] = Base64URL.encode(Array(key.rawRepresentation))
        expectInvalid(try proof(header: ["jwk": jwk]), "the DPoP proof's jwk must be a public key")
    }

    @Test func refusesAMissingOrBrokenKey() throws {
        var header: [String: Any] = ["typ": "dpop+jwt", "alg": "ES256"]
        let claims: [String: Any] = ["jti": "proof-1", "htm": "POST", "htu": Self.url, "iat": 1_800_000_000]
        expectInvalid(try TestJWS.es256(header: header, claims: claims, key: key), "the DPoP proof's header has no jwk")
        var jwk = TestJWS.jwk(key.publicKey)
        jwk["y"] = jwk["x"]
        header["jwk"] = jwk
        expectInvalid(try TestJWS.es256(header: header, claims: claims, key: key), "the DPoP proof's jwk is not a P-256 public key")
    }

    @Test func refusesASignatureByAnotherKey() throws {
        expectInvalid(try proof(signer: P256.Signing.PrivateKey()), "the DPoP proof's signature does not verify")
    }

    @Test func refusesAMissingOrOverlongJTI() throws {
        expectInvalid(try proof(claims: ["jti": ""]), "the DPoP proof needs a jti of 1 to 256 characters")
        expectInvalid(try proof(claims: ["jti": String(repeating: "j", count: 257)]), "the DPoP proof needs a jti of 1 to 256 characters")
    }

    @Test func refusesAnotherMethod() throws {
        #expect(throws: OAuthError(.invalidDPoPProof, "the DPoP proof's htm does not match the request method")) {
            try verify(try proof(), method: "GET")
        }
        expectInvalid(try proof(claims: ["htm": "post"]), "the DPoP proof's htm does not match the request method")
    }

    @Test func refusesAnotherURL() throws {
        for htu in ["https://hub.example/oauth/token/", "https://hub.example/OAuth/token", "http://hub.example/oauth/token",
            "https://evil.example/oauth/token", "https://hub.example:8443/oauth/token", "/oauth/token"] {
            expectInvalid(try proof(claims: ["htu": htu]), "the DPoP proof's htu does not match the request URL")
        }
    }

    @Test func refusesAnOldOrFutureIat() throws {
        let window = "the DPoP proof's iat is too old, in the future or missing"
        expectInvalid(try proof(claims: ["iat": 1_800_000_000 - 66]), window)
        expectInvalid(try proof(claims: ["iat": 1_800_000_000 + 6]), window)
        #expect(try verify(try proof(claims: ["iat": 1_800_000_000 - 65])).iat == 1_800_000_000 - 65)
        #expect(try verify(try proof(claims: ["iat": 1_800_000_000 + 5])).iat == 1_800_000_000 + 5)
    }

    @Test func refusesAWrongOrMissingAccessTokenHash() throws {
        let mismatch = "the DPoP proof's ath does not match the access token"
        expectInvalid(try proof(), mismatch, accessToken: "token-a")
        let ath = Base64URL.encode(Array(SHA256.hash(data: Array("token-b".utf8))))
        expectInvalid(try proof(claims: ["ath": ath]), mismatch, accessToken: "token-a")
    }

    @Test func asksForANonceWhenItIsMissingOrStale() throws {
        let expected = OAuthError(.useDPoPNonce, "the authorization server requires a fresh DPoP nonce")
        #expect(throws: expected) { try verify(try proof(), nonce: "n-2") }
        #expect(throws: expected) { try verify(try proof(claims: ["nonce": "n-1"]), nonce: "n-2") }
    }

    @Test func refusesMalformedProofs() throws {
        for text in ["", "a.b", "not-a-jwt", String(repeating: "a", count: 9000)] {
            expectInvalid(text, "the DPoP proof is not a compact JWS")
        }
        expectInvalid(try proof(claims: ["iat": "now"]), "the DPoP proof's claims are malformed")
        expectInvalid(try proof(header: ["crit": ["exp"]]), "the DPoP proof has critical header parameters this hub does not understand")
    }
}

@Suite struct DPoPReplayCacheTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aProofIsAcceptedOnceUntilItExpires() async {
        let cache = DPoPReplayCache()
        let until = now.addingTimeInterval(65)
        #expect(await cache.firstUse(jti: "j", jkt: "k", until: until, now: now))
        #expect(await !cache.firstUse(jti: "j", jkt: "k", until: until, now: now.addingTimeInterval(10)))
        #expect(await cache.firstUse(jti: "j", jkt: "other-key", until: until, now: now))
        #expect(await cache.firstUse(jti: "j", jkt: "k", until: until.addingTimeInterval(65), now: until))
    }

    @Test func expiredEntriesAreEvicted() async {
        let cache = DPoPReplayCache()
        for index in 0..<100 {
            #expect(await cache.firstUse(jti: "j\(index)", jkt: "k", until: now.addingTimeInterval(Double(100 - index)), now: now))
        }
        _ = await cache.firstUse(jti: "late", jkt: "k", until: now.addingTimeInterval(200), now: now.addingTimeInterval(50))
        #expect(await cache.count == 51)
        _ = await cache.firstUse(jti: "later", jkt: "k", until: now.addingTimeInterval(300), now: now.addingTimeInterval(150))
        #expect(await cache.count == 2)
    }

    /// Forgetting a live entry would let a captured proof be replayed; a full cache refuses instead.
    @Test func aFullCacheRefusesUntilEntriesExpire() async {
        let cache = DPoPReplayCache(capacity: 3)
        for jti in ["a", "b", "c"] {
            #expect(await cache.firstUse(jti: jti, jkt: "k", until: now.addingTimeInterval(60), now: now))
        }
        #expect(await !cache.firstUse(jti: "d", jkt: "k", until: now.addingTimeInterval(60), now: now))
        #expect(await cache.firstUse(jti: "d", jkt: "k", until: now.addingTimeInterval(120), now: now.addingTimeInterval(60)))
    }
}
