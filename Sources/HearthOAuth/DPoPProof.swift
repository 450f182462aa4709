import Crypto
import Foundation
import HearthCore
import JWTKit

/// What a valid DPoP proof establishes: the key it proves possession of and the values the caller
/// still has to check for replay (`jti`, within the proof's acceptance window).
public struct VerifiedProof: Sendable, Equatable {
    /// RFC 7638 thumbprint of the proof's key, to compare with (or put in) `cnf.jkt`.
    public let jkt: String
    public let jti: String
    public let iat: Int

    public init(jkt: String, jti: String, iat: Int) {
        self.jkt = jkt
        self.jti = jti
        self.iat = iat
    }
}

/// Checks DPoP proofs (RFC 9449 §4.3). Replay of `jti` is the caller's check (``DPoPReplayCache``),
/// because it needs state shared across requests.
public struct DPoPVerifier: Sendable {
    /// How old a proof may be, in seconds; proofs are made per request, so this stays short.
    public let maxAge: Int
    /// Tolerated clock difference, in seconds, in both directions.
    public let leeway: Int

    public init(maxAge: Int = 60, leeway: Int = 5) {
        self.maxAge = maxAge
        self.leeway = leeway
    }

    /// - Parameters:
    ///   - url: the request's URL as the server was addressed; query and fragment are ignored.
    ///   - accessToken: the token presented with the proof at a resource, which `ath` must hash.
    ///   - expectedNonce: the server's current nonce, if it requires one (RFC 9449 §8).
    /// - Throws: `invalid_dpop_proof`, or `use_dpop_nonce` when only the nonce is wrong or missing.
    public func verify(
        proof: String, method: String, url: String, accessToken: String?, expectedNonce: String?, now: Date
    ) throws -> VerifiedProof {
        guard let jws = CompactJWS(proof) else { throw Self.invalid("the DPoP proof is not a compact JWS") }
        guard jws.header.typ == "dpop+jwt" else { throw Self.invalid("the DPoP proof's typ must be dpop+jwt") }
        guard !jws.hasCriticalParameters else {
            throw Self.invalid("the DPoP proof has critical header parameters this hub does not understand")
        }
        guard let jwk = jws.header.jwk else { throw Self.invalid("the DPoP proof's header has no jwk") }
        // A private key in the header would mean the client disclosed it (RFC 9449 §4.2).
        guard jwk["d"] == nil else { throw Self.invalid("the DPoP proof's jwk must be a public key") }
        let members = jwk.compactMapValues(\.asString)
        guard try Self.isSigned(jws, alg: jws.header.alg, jwk: members) else {
            throw Self.invalid("the DPoP proof's signature does not verify")
        }
        guard let jkt = try? jwkThumbprint(members) else { throw Self.invalid("the DPoP proof's jwk is incomplete") }

        guard let claims = jws.claims(as: Claims.self) else { throw Self.invalid("the DPoP proof's claims are malformed") }
        guard let jti = claims.jti, !jti.isEmpty, jti.count <= 256 else {
            throw Self.invalid("the DPoP proof needs a jti of 1 to 256 characters")
        }
        guard claims.htm == method else { throw Self.invalid("the DPoP proof's htm does not match the request method") }
        guard let htu = claims.htu, let presented = Self.normalized(htu), let expected = Self.normalized(url),
            presented == expected
        else { throw Self.invalid("the DPoP proof's htu does not match the request URL") }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        guard let iat = claims.iat, iat >= seconds - maxAge - leeway, iat <= seconds + leeway else {
            throw Self.invalid("the DPoP proof's iat is too old, in the future or missing")
        }
        if let accessToken {
            let hash = Base64URL.encode(Array(SHA256.hash(data: Array(accessToken.utf8))))
            guard let ath = claims.ath, constantTimeEquals(Array(ath.utf8), Array(hash.utf8)) else {
                throw Self.invalid("the DPoP proof's ath does not match the access token")
            }
        }
        if let expectedNonce {
            guard let nonce = claims.nonce, constantTimeEquals(Array(nonce.utf8), Array(expectedNonce.utf8)) else {
                throw OAuthError(.useDPoPNonce, "the authorization server requires a fresh DPoP nonce")
            }
        }
        return VerifiedProof(jkt: jkt, jti: jti, iat: iat)
    }

    private struct Claims: Decodable {
        let jti: String?
        let htm: String?
        let htu: String?
        let iat: Int?
        let ath: String?
        let nonce: String?
    }

    /// ES256 with a P-256 key, or EdDSA with an Ed25519 key; never `none` or a MAC, whose key
    /// would have to be shared.
    private static func isSigned(_ jws: CompactJWS, alg: String?, jwk: [String: String]) throws -> Bool {
        switch (alg, jwk["kty"], jwk["crv"]) {
        case ("ES256", "EC", "P-256"):
            guard let x = jwk["x"].flatMap(Base64URL.decode), let y = jwk["y"].flatMap(Base64URL.decode),
                x.count == 32, y.count == 32, let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
            else { throw invalid("the DPoP proof's jwk is not a P-256 public key") }
            return jws.isSignedES256(by: key)
        case ("EdDSA", "OKP", "Ed25519"):
            guard let x = jwk["x"].flatMap(Base64URL.decode), x.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { throw invalid("the DPoP proof's jwk is not an Ed25519 public key") }
            return jws.isSignedEd25519(by: key)
        case ("ES256", _, _), ("EdDSA", _, _):
            throw invalid("the DPoP proof's jwk does not fit its alg")
        default:
            throw invalid("the DPoP proof's alg must be ES256 or EdDSA")
        }
    }

    /// The URL without query and fragment, scheme and host lowercased and the default port dropped
    /// (RFC 9449 §4.3 step 9, by RFC 3986 §6.2.2–6.2.3); the path is compared exactly.
    static func normalized(_ url: String) -> String? {
        let bare = url.prefix { $0 != "?" && $0 != "#" }
        guard let separator = bare.range(of: "://") else { return nil }
        let scheme = bare[..<separator.lowerBound].lowercased()
        // `mqtts`: a proof in an MQTT CONNECT names the broker (`mqtts://host:port`).
        let defaultPorts = ["https": ":443", "http": ":80", "mqtts": ":8883"]
        guard let defaultPort = defaultPorts[scheme] else { return nil }
        let rest = bare[separator.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd].lowercased()
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        if authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        let path = rest[authorityEnd...]
        return scheme + "://" + authority + (path.isEmpty ? "/" : String(path))
    }

    private static func invalid(_ description: String) -> OAuthError { OAuthError(.invalidDPoPProof, description) }
}
