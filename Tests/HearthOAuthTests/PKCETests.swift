import Foundation
import HearthOAuth
import Testing

@Suite struct PKCETests {
    /// RFC 7636 Appendix B, checked with Python's hashlib.
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    @Test func matchesTheRFCExample() throws {
        try PKCE.validateVerifier(Self.verifier)
        try PKCE.validateChallenge(Self.challenge, method: "S256")
        #expect(PKCE.matches(verifier: Self.verifier, challenge: Self.challenge))
    }

    @Test func refusesAnotherVerifier() {
        #expect(!PKCE.matches(verifier: Self.verifier.replacingOccurrences(of: "k", with: "K"), challenge: Self.challenge))
        #expect(!PKCE.matches(verifier: Self.verifier, challenge: String(Self.challenge.dropLast())))
    }

    @Test func requiresS256() {
        let required = OAuthError(.invalidRequest, "PKCE with code_challenge_method=S256 is required")
        #expect(throws: required) { try PKCE.validateChallenge(Self.challenge, method: nil) }
        #expect(throws: required) { try PKCE.validateChallenge(Self.challenge, method: "plain") }
        #expect(throws: required) { try PKCE.validateChallenge(Self.challenge, method: "s256") }
    }

    @Test(arguments: [
        String(PKCETests.challenge.dropLast()), PKCETests.challenge + "A", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN",
    ])
    func refusesAMalformedChallenge(_ challenge: String) {
        #expect(throws: OAuthError(.invalidRequest, "code_challenge must be the 43-character base64url SHA-256 of the verifier")) {
            try PKCE.validateChallenge(challenge, method: "S256")
        }
    }

    @Test func verifierLengthAndAlphabet() throws {
        try PKCE.validateVerifier(String(repeating: "a", count: 43))
        try PKCE.validateVerifier(String(repeating: "Az09-._~", count: 16))
        for bad in [String(repeating: "a", count: 42), String(repeating: "a", count: 129), Self.verifier + "+", Self.verifier + "=", Self.verifier + "é"] {
            #expect(throws: OAuthError(.invalidRequest, "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")) {
                try PKCE.validateVerifier(bad)
            }
        }
    }
}
