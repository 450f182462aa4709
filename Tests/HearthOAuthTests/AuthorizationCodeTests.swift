import Foundation
import HearthOAuth
import Testing

/// RFC 6749 §4.1.3 and RFC 7636 §4.6: what a redemption of an authorization code decides.
struct AuthorizationCodeTests {
    static let now = Date(timeIntervalSince1970: 2_000_000)
    /// RFC 7636 appendix B.
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    static func code(used: Bool = false, expiresIn: TimeInterval = 60) -> AuthorizationCode {
        AuthorizationCode(
            usedAt: used ? now.addingTimeInterval(-1) : nil, expiresAt: now.addingTimeInterval(expiresIn),
            redirectURI: "https://app.example/cb", codeChallenge: challenge)
    }

    @Test(arguments: [
        (false, 60.0, "https://app.example/cb", verifier, AuthorizationCode.Outcome.redeem),
        (true, 60, "https://app.example/cb", verifier, .reused),
        (true, -1, "https://other.example/cb", "short", .reused),
        (false, 0, "https://app.example/cb", verifier, .expired),
        (false, 60, "https://app.example/cb/", verifier, .redirectMismatch),
        (false, 60, "https://app.example/cb", String(repeating: "w", count: 43), .verifierMismatch),
        (false, 60, "https://app.example/cb", "too-short", .verifierMismatch),
    ] as [(Bool, TimeInterval, String, String, AuthorizationCode.Outcome)])
    func aRedemptionIsDecidedInTheRFCsOrder(
        used: Bool, expiresIn: TimeInterval, redirect: String, verifier: String, expected: AuthorizationCode.Outcome
    ) {
        #expect(Self.code(used: used, expiresIn: expiresIn).redeem(redirectURI: redirect, verifier: verifier, at: Self.now) == expected)
    }
}
