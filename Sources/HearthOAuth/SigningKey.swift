import Crypto
import HearthCore

/// The hub's access-token signing key: an ES256 private key (in memory or in the hub's PKCS#11
/// token) and the `kid` it is published under.
public struct SigningKey: Sendable {
    public let kid: String
    public let key: HubPrivateKey
    public let publicKey: P256.Signing.PublicKey

    /// Wraps a key; the `kid` is derived from the public key, so a reloaded key keeps its `kid`.
    public init(key: HubPrivateKey) throws {
        let publicKey = try Self.p256PublicKey(of: key)
        self.init(kid: Self.keyID(for: publicKey), key: key, publicKey: publicKey)
    }

    /// Wraps a stored key under the `kid` it was published with.
    public init(kid: String, key: HubPrivateKey) throws {
        self.init(kid: kid, key: key, publicKey: try Self.p256PublicKey(of: key))
    }

    /// A software key (tests, benchmarks, fixtures).
    public init(privateKey: P256.Signing.PrivateKey) {
        self.init(kid: Self.keyID(for: privateKey.publicKey), key: HubPrivateKey(privateKey), publicKey: privateKey.publicKey)
    }

    private init(kid: String, key: HubPrivateKey, publicKey: P256.Signing.PublicKey) {
        self.kid = kid
        self.key = key
        self.publicKey = publicKey
    }

    public static func generate() -> SigningKey {
        SigningKey(privateKey: P256.Signing.PrivateKey())
    }

    private static func p256PublicKey(of key: HubPrivateKey) throws -> P256.Signing.PublicKey {
        guard key.algorithm == .p256, let publicKey = try? P256.Signing.PublicKey(x963Representation: key.publicKeyBytes) else {
            throw HearthError(.sealing, "a token-signing key must be an ES256 (P-256) key")
        }
        return publicKey
    }

    public var publicJWK: PublicJWK {
        PublicJWK(kid: kid, publicKey: publicKey)
    }

    /// Twelve bytes of the key's hash: unique enough among a handful of live keys, short in headers.
    static func keyID(for publicKey: P256.Signing.PublicKey) -> String {
        Base64URL.encode(Array(SHA256.hash(data: publicKey.x963Representation)).prefix(12))
    }
}

/// An ES256 public key as a JWK (RFC 7517 §4, RFC 7518 §6.2.1), as published in the JWKS and as
/// registered by `private_key_jwt` clients.
public struct PublicJWK: Codable, Sendable, Equatable {
    public let kty: String
    public let crv: String
    public let x: String
    public let y: String
    public let kid: String
    public let use: String
    public let alg: String

    public init(kid: String, publicKey: P256.Signing.PublicKey) {
        let point = publicKey.x963Representation  // 0x04 || x || y
        self.kty = "EC"
        self.crv = "P-256"
        self.x = Base64URL.encode(point.dropFirst().prefix(32))
        self.y = Base64URL.encode(point.dropFirst(33))
        self.kid = kid
        self.use = "sig"
        self.alg = "ES256"
    }

    /// The key, after checking that this JWK really is an ES256 signing key on P-256.
    public func publicKey() throws -> P256.Signing.PublicKey {
        guard kty == "EC", crv == "P-256", alg == "ES256", use == "sig" else {
            throw OAuthError(.invalidClient, "the key is not an ES256 signing key")
        }
        guard let x = Base64URL.decode(x), let y = Base64URL.decode(y), x.count == 32, y.count == 32,
            let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
        else {
            throw OAuthError(.invalidClient, "the key's coordinates are not a point on P-256")
        }
        return key
    }
}

/// A JWK Set (RFC 7517 §5), the body of the JWKS endpoint.
public struct JWKSet: Codable, Sendable, Equatable {
    public let keys: [PublicJWK]

    public init(keys: [PublicJWK]) { self.keys = keys }
}
