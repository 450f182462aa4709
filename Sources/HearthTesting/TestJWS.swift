import Crypto
import Foundation
import HearthCore

/// JWTs built by hand, so tests can make every malformed or forged variant the verifiers must
/// refuse (the hub's own code never signs these).
public enum TestJWS {
    public struct Malformed: Error {}

    public static func part(_ object: [String: Any]) throws -> String {
        Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])))
    }

    /// A JWS part decoded back to its JSON object.
    public static func object(_ part: String) throws -> [String: Any] {
        guard let bytes = Base64URL.decode(part),
              let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { throw Malformed() }
        return object
    }

    public static func es256(header: [String: Any], claims: [String: Any], key: P256.Signing.PrivateKey) throws -> String {
        let input = try part(header) + "." + part(claims)
        let signature = try key.signature(for: SHA256.hash(data: Array(input.utf8)))
        return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    public static func ed25519(header: [String: Any], claims: [String: Any], key: Curve25519.Signing.PrivateKey) throws -> String {
        let input = try part(header) + "." + part(claims)
        return input + "." + Base64URL.encode(Array(try key.signature(for: Array(input.utf8))))
    }

    public static func hs256(header: [String: Any], claims: [String: Any], secret: [UInt8]) throws -> String {
        let input = try part(header) + "." + part(claims)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + Base64URL.encode(Array(mac))
    }

    public static func unsigned(header: [String: Any], claims: [String: Any]) throws -> String {
        try part(header) + "." + part(claims) + "."
    }

    public static func jwk(_ key: P256.Signing.PublicKey) -> [String: String] {
        let point = Array(key.x963Representation)
        return ["kty": "EC", "crv": "P-256", "x": Base64URL.encode(point[1..<33]), "y": Base64URL.encode(point[33..<65])]
    }

    public static func jwk(_ key: Curve25519.Signing.PublicKey) -> [String: String] {
        ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(Array(key.rawRepresentation))]
    }

    /// RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token.
    public static func ath(_ token: String) -> String { Base64URL.encode(Array(SHA256.hash(data: Array(token.utf8)))) }
}
