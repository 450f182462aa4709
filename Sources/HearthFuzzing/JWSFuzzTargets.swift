import Foundation
import HearthCore
import HearthOAuth

/// JWTs a stranger presents: DPoP proofs, `private_key_jwt` client assertions and access tokens.
/// Each target takes the token as text (selector even), or a header and a payload separated by a
/// zero byte that the harness signs with the fixture key (selector odd), so the claim checks
/// behind the signature are fuzzed too.
enum JWSFuzzTargets {
    static let dpop = FuzzTarget(name: "dpop", summary: "DPoP proof verification (RFC 9449)") { bytes in
        let input = FuzzInput(bytes)
        let proof = token(input)
        let accessToken: String? = input.selector & 2 == 0 ? nil : "an-access-token"
        let nonce: String? = input.selector & 4 == 0 ? nil : "a-server-nonce"
        guard let verified = try? DPoPVerifier().verify(
            proof: proof, method: "POST", url: FuzzFixtures.tokenEndpoint, accessToken: accessToken,
            expectedNonce: nonce, now: FuzzFixtures.now)
        else { return false }
        // Only the fixture key signs; a proof it verifies must be bound to that key.
        FuzzInvariant.check(
            verified.jkt == jwkThumbprint(FuzzFixtures.signingKey.publicJWK), "a DPoP proof verified for a key that did not sign it")
        return true
    }

    static let clientAssertion = FuzzTarget(name: "client-assertion", summary: "private_key_jwt client assertions (RFC 7523)") { bytes in
        let input = FuzzInput(bytes)
        guard let verified = try? ClientAssertionVerifier.verify(
            token(input), clientID: "fuzz-client", keys: [FuzzFixtures.signingKey.publicJWK],
            audiences: [FuzzFixtures.issuer, FuzzFixtures.tokenEndpoint], now: FuzzFixtures.now)
        else { return false }
        FuzzInvariant.check(!verified.jti.isEmpty, "a client assertion verified without a jti")
        FuzzInvariant.check(
            verified.exp > Int(FuzzFixtures.now.timeIntervalSince1970) - 60, "an expired client assertion verified")
        return true
    }

    static let accessToken = FuzzTarget(name: "access-token", summary: "access token verification (RFC 9068)") { bytes in
        let input = FuzzInput(bytes)
        let token = token(input)
        let claims = FuzzFixtures.wait { () -> AccessTokenClaims? in
            try? await signer.verify(token, issuer: FuzzFixtures.issuer, audience: "hearth", now: FuzzFixtures.now)
        }
        guard let claims else { return false }
        FuzzInvariant.check(claims.iss == FuzzFixtures.issuer && claims.aud == "hearth", "a token for another issuer or audience verified")
        return true
    }

    private static let signer: TokenSigner = {
        guard let signer = try? TokenSigner(active: FuzzFixtures.signingKey, verifying: []) else {
            fatalError("the fuzz fixtures' token signer could not be made")
        }
        return signer
    }()

    private static func token(_ input: FuzzInput) -> String {
        guard input.selector % 2 == 1 else { return String(decoding: input.rest, as: UTF8.self) }
        let split = input.rest.firstIndex(of: 0) ?? input.rest.endIndex
        return FuzzFixtures.signedCompactJWS(
            header: Array(input.rest[..<split]), payload: Array(input.rest[split...].dropFirst()))
    }
}
