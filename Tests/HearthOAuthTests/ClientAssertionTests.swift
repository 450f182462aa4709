import Crypto
import Foundation
import HearthCore
import HearthOAuth
import HearthTesting
import Testing

@Suite struct ClientAssertionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let token = "https://hub.example/oauth/token"
    static let audiences: Set<String> = ["https://hub.example", token]
    let key = SigningKey.generate()

    func assertion(
        header changes: [String: Any] = [:], claims claimChanges: [String: Any] = [:], signer: P256.Signing.PrivateKey? = nil
    ) throws -> String {
        var header: [String: Any] = ["alg": "ES256", "kid": key.kid]
        header.merge(changes) { $1 }
        var claims: [String: Any] = [
            "iss": "client-1", "sub": "client-1", "aud": Self.token, "jti": "assertion-1", "exp": 1_800_000_120,
            "iat": 1_800_000_000,
        ]
        claims.merge(claimChanges) { $1 }
        return try TestJWS.es256(header: header, claims: claims, key: signer ?? key.key.softwareP256!)
    }

    func verify(_ assertion: String, keys: [PublicJWK]? = nil) throws -> (jti: String, exp: Int) {
        try ClientAssertionVerifier.verify(
            assertion, clientID: "client-1", keys: keys ?? [key.publicJWK], audiences: Self.audiences, now: Self.now)
    }

    func expectRefused(_ assertion: String, _ description: String, keys: [PublicJWK]? = nil) {
        #expect(throws: OAuthError(.invalidClient, description)) { try verify(assertion, keys: keys) }
    }

    @Test func acceptsAValidAssertion() throws {
        let verified = try verify(try assertion())
        #expect(verified.jti == "assertion-1" && verified.exp == 1_800_000_120)
    }

    @Test func acceptsAnAudienceArrayNamingThisServer() throws {
        let verified = try verify(try assertion(claims: ["aud": ["https://elsewhere.example", "https://hub.example"]]))
        #expect(verified.jti == "assertion-1")
    }

    @Test func findsTheKeyWithoutKidAmongSeveral() throws {
        let keys = [SigningKey.generate().publicJWK, key.publicJWK]
        let unnamed = try TestJWS.es256(
            header: ["alg": "ES256", "typ": "JWT"],
            claims: ["iss": "client-1", "sub": "client-1", "aud": Self.token, "jti": "a", "exp": 1_800_000_060],
            key: key.key.softwareP256!)
        #expect(try verify(unnamed, keys: keys).jti == "a")
    }

    @Test func refusesOtherAlgorithms() throws {
        let claims: [String: Any] = ["iss": "client-1", "sub": "client-1", "aud": Self.token, "jti": "a", "exp": 1_800_000_060]
        let mac = try TestJWS.hs256(
            header: ["alg": "HS256", "kid": key.kid], claims: claims, secret: Array(key.publicKey.x963Representation))
        expectRefused(mac, "the client assertion must be signed with ES256")
        expectRefused(try TestJWS.unsigned(header: ["alg": "none"], claims: claims), "the client assertion must be signed with ES256")
    }

    @Test func refusesTheHubsOtherTokens() throws {
        expectRefused(try assertion(header: ["typ": "at+jwt"]), "the client assertion's typ names another kind of token")
        expectRefused(try assertion(header: ["typ": "dpop+jwt"]), "the client assertion's typ names another kind of token")
    }

    @Test func refusesAnUnregisteredOrWrongKey() throws {
        expectRefused(try assertion(header: ["kid": "nope"]), "the client assertion names a key the client has not registered")
        expectRefused(try assertion(signer: P256.Signing.PrivateKey()), "the client assertion's signature does not verify with the client's keys")
        expectRefused(try assertion(), "the client assertion names a key the client has not registered", keys: [])
    }

    @Test func refusesAnotherIssuerOrSubject() throws {
        let expected = "the client assertion's iss and sub must both be the client_id"
        expectRefused(try assertion(claims: ["iss": "client-2"]), expected)
        expectRefused(try assertion(claims: ["sub": "client-2"]), expected)
    }

    @Test func refusesAnotherAudience() throws {
        let expected = "the client assertion's aud does not name this authorization server"
        expectRefused(try assertion(claims: ["aud": "https://evil.example/token"]), expected)
        expectRefused(try assertion(claims: ["aud": [String]()]), expected)
        expectRefused(try assertion(claims: ["aud": NSNull()]), expected)
    }

    @Test func refusesBadTimes() throws {
        expectRefused(try assertion(claims: ["exp": NSNull()]), "the client assertion has no exp")
        expectRefused(try assertion(claims: ["exp": 1_800_000_000 - 31]), "the client assertion has expired")
        expectRefused(try assertion(claims: ["exp": 1_800_003_600]), "the client assertion's exp is too far in the future")
        expectRefused(try assertion(claims: ["iat": 1_800_000_100]), "the client assertion is issued in the future")
        expectRefused(try assertion(claims: ["nbf": 1_800_000_100]), "the client assertion is not valid yet")
        #expect(try verify(try assertion(claims: ["exp": 1_800_000_330])).exp == 1_800_000_330)
    }

    @Test func refusesAMissingJTI() throws {
        expectRefused(try assertion(claims: ["jti": NSNull()]), "the client assertion needs a jti of 1 to 256 characters")
        expectRefused(try assertion(claims: ["jti": ""]), "the client assertion needs a jti of 1 to 256 characters")
    }

    @Test func refusesMalformedAssertions() throws {
        expectRefused("a.b", "the client assertion is not a compact JWS")
        expectRefused(try assertion(claims: ["exp": "later"]), "the client assertion's claims are malformed")
    }
}
