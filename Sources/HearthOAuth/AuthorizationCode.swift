import Foundation

/// An issued authorization code (RFC 6749 §4.1.2) as its redemption sees it, with the pure
/// decision on a redemption (§4.1.3, RFC 7636 §4.6). The code is marked used in the same
/// transaction that records the tokens it buys.
public struct AuthorizationCode: Sendable, Equatable {
    public let usedAt: Date?
    public let expiresAt: Date
    public let redirectURI: String
    public let codeChallenge: String

    public enum Outcome: Sendable, Equatable {
        /// Presented again: everything it issued is revoked (RFC 9700 §4.14.2).
        case reused
        case expired
        case redirectMismatch
        case verifierMismatch
        case redeem
    }

    public init(usedAt: Date?, expiresAt: Date, redirectURI: String, codeChallenge: String) {
        self.usedAt = usedAt
        self.expiresAt = expiresAt
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
    }

    public func redeem(redirectURI presented: String, verifier: String, at now: Date) -> Outcome {
        if usedAt != nil { return .reused }
        if expiresAt <= now { return .expired }
        if redirectURI != presented { return .redirectMismatch }
        guard (try? PKCE.validateVerifier(verifier)) != nil, PKCE.matches(verifier: verifier, challenge: codeChallenge) else {
            return .verifierMismatch
        }
        return .redeem
    }
}
