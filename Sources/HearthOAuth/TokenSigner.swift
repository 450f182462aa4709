import Crypto
import Foundation
import HearthCore
import JWTKit
import Synchronization

/// Signs and verifies the hub's JWT access tokens (RFC 9068) with ES256, through JWTKit.
///
/// Built from the active key and the retired keys whose tokens may still be live, so a rotation
/// never invalidates a token early. Build one per key set and reuse it: the JWTKit key collection
/// inside is filled once, on first use.
public struct TokenSigner: Sendable {
    /// The longest lifetime accepted (RFC 9068 tokens here are short-lived by design).
    public static let maximumLifetime = 600
    /// The one refusal that is routine (clients refresh after it), so callers can tell it apart
    /// from a forged or malformed token, which is evidence.
    public static let expired = OAuthError(.invalidToken, "the token has expired")

    /// The keys to publish at the JWKS endpoint: the active one first.
    public let jwks: JWKSet
    public var activeKID: String { keyring.activeKID }
    private let keyring: Keyring
    /// The active key, which may sign in the hub's PKCS#11 token.
    private let active: HubPrivateKey

    /// Throws when a verifying key is not a usable ES256 key, rather than silently refusing every
    /// token it signed.
    public init(active: SigningKey, verifying: [PublicJWK]) throws {
        var published = [active.publicJWK]
        var verifiers: [(kid: String, key: ES256PublicKey)] = []
        for jwk in verifying where !published.contains(where: { $0.kid == jwk.kid }) {
            verifiers.append((jwk.kid, try ES256PublicKey(backing: jwk.publicKey())))
            published.append(jwk)
        }
        self.jwks = JWKSet(keys: published)
        self.active = active.key
        self.keyring = Keyring(
            activeKID: active.kid, verifying: [(active.kid, try ES256PublicKey(backing: active.publicKey))] + verifiers)
    }

    /// A compact JWS with the header `{"alg":"ES256","kid":…,"typ":"at+jwt"}` (RFC 9068 §2.1).
    ///
    /// Made here rather than by JWTKit, whose signers take only keys in memory: the hub's key may
    /// be in its PKCS#11 token. Sorted keys give the header RFC 9068 shows, and the same bytes for
    /// the same claims.
    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        let header = try Self.encoder.encode(AccessTokenHeader(alg: "ES256", kid: keyring.activeKID, typ: "at+jwt"))
        let input = Base64URL.encode(Array(header)) + "." + Base64URL.encode(Array(try Self.encoder.encode(claims)))
        return input + "." + Base64URL.encode(try active.signature(for: Array(input.utf8)))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The claims of a token this hub issued for `audience`, after the checks of RFC 9068 §4.
    ///
    /// Every failure is `invalid_token`; the descriptions differ so that a client's developer can
    /// tell an expired token from a forged one. `nonisolated(nonsending)`: after the first call
    /// nothing here needs another executor, so the check runs where the caller is, with no hop.
    public nonisolated(nonsending) func verify(
        _ token: String, issuer: String, audience: String, now: Date, leeway: Int = 30
    ) async throws -> AccessTokenClaims {
        let jws = try AccessTokenJWS(token)
        guard let typ = jws.header.typ?.lowercased(), typ == "at+jwt" || typ == "application/at+jwt" else {
            throw OAuthError(.invalidToken, "the token is not an access token (typ must be at+jwt)")
        }
        guard jws.header.alg == "ES256" else { throw OAuthError(.invalidToken, "the token is not signed with ES256") }
        guard jws.header.crit == nil else {
            throw OAuthError(.invalidToken, "the token has critical header parameters this hub does not understand")
        }
        // The kid must name one of our keys: JWTKit would fall back to its default key otherwise.
        guard let kid = jws.header.kid, keyring.kids.contains(kid) else {
            throw OAuthError(.invalidToken, "the token was signed with an unknown key")
        }
        // Verification is JWTKit's ES256 algorithm for that kid, called directly once it is known:
        // going through the collection would cost two actor hops and a second header parse per token.
        var algorithms = keyring.loadedAlgorithms
        if algorithms == nil { algorithms = try await keyring.loadAlgorithms() }
        guard let algorithm = algorithms?[kid], (try? algorithm.verify(jws.signature, signs: jws.signingInput)) == true else {
            throw OAuthError(.invalidToken, "the token's signature does not verify")
        }
        guard let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: jws.payload) else {
            throw OAuthError(.invalidToken, "the token's claims are malformed")
        }
        try Self.check(claims, issuer: issuer, audience: audience, now: now, leeway: leeway)
        return claims
    }

    private static func check(_ claims: AccessTokenClaims, issuer: String, audience: String, now: Date, leeway: Int) throws {
        let now = Int(now.timeIntervalSince1970.rounded(.down))
        guard claims.iss == issuer else { throw OAuthError(.invalidToken, "the token was issued by another server") }
        guard claims.aud == audience else { throw OAuthError(.invalidToken, "the token is meant for another audience") }
        guard claims.exp > claims.iat, claims.exp - claims.iat <= maximumLifetime else {
            throw OAuthError(.invalidToken, "the token's lifetime is not accepted")
        }
        guard claims.exp + leeway >= now else { throw Self.expired }
        guard claims.iat - leeway <= now else { throw OAuthError(.invalidToken, "the token is issued in the future") }
    }
}

/// An access token split with JWTKit's parser, its header reduced to the members checked.
private struct AccessTokenJWS {
    struct Header: Decodable {
        let alg: String?
        let kid: String?
        let typ: String?
        let crit: [String]?
    }

    let header: Header
    let payload: Data
    let signature: [UInt8]
    let signingInput: ArraySlice<UInt8>

    init(_ token: String) throws {
        let bytes = Array(token.utf8)
        // An empty signature is well-formed (an unsecured JWS): the alg check refuses it with a clearer reason.
        guard let parts = try? DefaultJWTParser().getTokenParts(bytes), !parts.header.isEmpty, !parts.payload.isEmpty,
            let header = Base64URL.decode(String(decoding: parts.header, as: UTF8.self)),
            let payload = Base64URL.decode(String(decoding: parts.payload, as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: parts.signature, as: UTF8.self))
        else { throw OAuthError(.invalidToken, "the token is not a compact JWS") }
        guard let decoded = try? JSONDecoder().decode(Header.self, from: Data(header)) else {
            throw OAuthError(.invalidToken, "the token's header is not valid JSON")
        }
        self.header = decoded
        self.payload = Data(payload)
        self.signature = signature
        self.signingInput = bytes[..<parts.payload.endIndex]
    }
}

/// The JOSE header of an access token, its members in the order sorted keys give.
private struct AccessTokenHeader: Encodable {
    let alg: String
    let kid: String
    let typ: String
}

/// JWTKit's key collection is an actor filled by async calls, while a signer is built
/// synchronously: the public keys go in on first use, once, and the per-kid algorithms are kept
/// for synchronous verification after that.
private final class Keyring: Sendable {
    let activeKID: String
    let kids: Set<String>
    private let verifying: [(kid: String, key: ES256PublicKey)]
    private let keys = JWTKeyCollection()
    private let filled = Mutex(false)
    private let algorithms = Mutex<[String: any JWTAlgorithm]?>(nil)

    init(activeKID: String, verifying: [(kid: String, key: ES256PublicKey)]) {
        self.activeKID = activeKID
        self.verifying = verifying
        self.kids = Set(verifying.map(\.kid))
    }

    func collection() async -> JWTKeyCollection {
        if filled.withLock({ $0 }) { return keys }
        // Two first callers may both add: adding the same key under the same kid is idempotent.
        for (kid, key) in verifying {
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        }
        filled.withLock { $0 = true }
        return keys
    }

    var loadedAlgorithms: [String: any JWTAlgorithm]? { algorithms.withLock { $0 } }

    func loadAlgorithms() async throws -> [String: any JWTAlgorithm] {
        let collection = await collection()
        var loaded: [String: any JWTAlgorithm] = [:]
        for kid in kids { loaded[kid] = try await collection.getKey(for: JWKIdentifier(string: kid)) }
        algorithms.withLock { $0 = loaded }
        return loaded
    }
}
