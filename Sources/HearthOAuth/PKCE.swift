import Crypto
import HearthCore

/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` would put the verifier itself in
/// the front channel, which is what PKCE exists to avoid (OAuth 2.1 §4.1.1 and BCP 240 §2.1.1).
public enum PKCE {
    /// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    public static func validateVerifier(_ verifier: String) throws {
        let bytes = Array(verifier.utf8)
        guard (43...128).contains(bytes.count), bytes.allSatisfy(isUnreserved) else {
            throw OAuthError(.invalidRequest, "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")
        }
    }

    /// RFC 7636 §4.2–4.3: the method must be `S256` and the challenge a base64url SHA-256 hash.
    public static func validateChallenge(_ challenge: String, method: String?) throws {
        guard method == "S256" else {
            throw OAuthError(.invalidRequest, "PKCE with code_challenge_method=S256 is required")
        }
        // 43 characters hold exactly 32 bytes; re-encoding rejects non-canonical trailing bits.
        guard challenge.utf8.count == 43, let digest = Base64URL.decode(challenge), digest.count == 32,
            Base64URL.encode(digest) == challenge
        else {
            throw OAuthError(.invalidRequest, "code_challenge must be the 43-character base64url SHA-256 of the verifier")
        }
    }

    /// Whether `challenge` is base64url(SHA-256(ASCII(verifier))), compared in constant time.
    public static func matches(verifier: String, challenge: String) -> Bool {
        let computed = Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
        return constantTimeEquals(Array(computed.utf8), Array(challenge.utf8))
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
