import Foundation
import JWTKit

/// Verifies `private_key_jwt` client assertions (RFC 7523 §3, OpenID Connect Core §9).
///
/// Single use is the caller's part: it stores the returned `jti` until `exp` and refuses a second
/// use.
public struct ClientAssertionVerifier {
    /// Tolerated clock difference, in seconds.
    static let leeway = 30
    /// `typ` values of the hub's other JWTs: one of those replayed as an assertion is refused.
    private static let foreignTypes: Set<String> = ["at+jwt", "application/at+jwt", "dpop+jwt"]

    /// - Parameters:
    ///   - keys: the client's registered ES256 keys; a `kid` in the assertion selects one.
    ///   - audiences: the values `aud` may name (the issuer and the endpoint's URL).
    ///   - maxLifetime: how far in the future `exp` may be, so an assertion is short-lived.
    /// - Returns: the `jti` and `exp` to remember for single use.
    /// - Throws: `invalid_client` for every failure.
    public static func verify(
        _ assertion: String, clientID: String, keys: [PublicJWK], audiences: Set<String>, now: Date,
        maxLifetime: Int = 300
    ) throws -> (jti: String, exp: Int) {
        guard let jws = CompactJWS(assertion) else { throw invalid("the client assertion is not a compact JWS") }
        guard jws.header.alg == "ES256" else { throw invalid("the client assertion must be signed with ES256") }
        if let typ = jws.header.typ?.lowercased(), foreignTypes.contains(typ) {
            throw invalid("the client assertion's typ names another kind of token")
        }
        guard !jws.hasCriticalParameters else {
            throw invalid("the client assertion has critical header parameters this hub does not understand")
        }
        let kid = jws.header.kid
        let candidates = keys.filter { kid == nil || $0.kid == kid }
        guard !candidates.isEmpty else { throw invalid("the client assertion names a key the client has not registered") }
        guard candidates.contains(where: { key in (try? key.publicKey()).map(jws.isSignedES256) ?? false }) else {
            throw invalid("the client assertion's signature does not verify with the client's keys")
        }

        guard let claims = jws.claims(as: Claims.self) else { throw invalid("the client assertion's claims are malformed") }
        guard claims.iss == clientID, claims.sub == clientID else {
            throw invalid("the client assertion's iss and sub must both be the client_id")
        }
        guard let audience = claims.aud, !audience.values.isDisjoint(with: audiences) else {
            throw invalid("the client assertion's aud does not name this authorization server")
        }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        guard let exp = claims.exp else { throw invalid("the client assertion has no exp") }
        guard exp + leeway >= seconds else { throw invalid("the client assertion has expired") }
        guard exp - seconds <= maxLifetime + leeway else { throw invalid("the client assertion's exp is too far in the future") }
        if let iat = claims.iat, iat - leeway > seconds { throw invalid("the client assertion is issued in the future") }
        if let nbf = claims.nbf, nbf - leeway > seconds { throw invalid("the client assertion is not valid yet") }
        guard let jti = claims.jti, !jti.isEmpty, jti.count <= 256 else {
            throw invalid("the client assertion needs a jti of 1 to 256 characters")
        }
        return (jti, exp)
    }

    private struct Claims: Decodable {
        let iss: String?
        let sub: String?
        let aud: Audience?
        let exp: Int?
        let iat: Int?
        let nbf: Int?
        let jti: String?
    }

    /// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
    private struct Audience: Decodable {
        let values: Set<String>

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = Set(try container.decode([String].self))
            }
        }
    }

    private static func invalid(_ description: String) -> OAuthError { OAuthError(.invalidClient, description) }
}
