import Crypto
import protocol Foundation.DataProtocol

/// A private signing key of the hub: a software key (unsealed from the database for as long as it
/// is used) or a key in a hardware token, which signs there and never leaves it. Whatever uses a
/// key — a CA, the TLS listener, the token signer, the audit log — sees only this.
public struct HubPrivateKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case p256 = "P-256"
        case p384 = "P-384"
        case ed25519 = "Ed25519"
    }

    enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case token(any TokenKey)
    }

    let backing: Backing

    public init(_ key: P256.Signing.PrivateKey) { backing = .p256(key) }
    public init(_ key: P384.Signing.PrivateKey) { backing = .p384(key) }
    public init(_ key: Curve25519.Signing.PrivateKey) { backing = .ed25519(key) }
    public init(token key: any TokenKey) { backing = .token(key) }

    /// A new software key.
    public static func generate(_ algorithm: Algorithm) -> HubPrivateKey {
        switch algorithm {
        case .p256: HubPrivateKey(P256.Signing.PrivateKey())
        case .p384: HubPrivateKey(P384.Signing.PrivateKey())
        case .ed25519: HubPrivateKey(Curve25519.Signing.PrivateKey())
        }
    }

    /// A software key from its stored bytes: SEC 1 DER or the raw scalar for ECDSA keys (token-signing
    /// keys were stored raw before 2026-12), the seed for Ed25519.
    public init(_ algorithm: Algorithm, bytes: [UInt8]) throws {
        do {
            switch algorithm {
            case .p256:
                backing = .p256(bytes.count == 32
                    ? try P256.Signing.PrivateKey(rawRepresentation: bytes) : try P256.Signing.PrivateKey(derRepresentation: bytes))
            case .p384:
                backing = .p384(bytes.count == 48
                    ? try P384.Signing.PrivateKey(rawRepresentation: bytes) : try P384.Signing.PrivateKey(derRepresentation: bytes))
            case .ed25519:
                backing = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
            }
        } catch {
            throw HearthError(.sealing, "a stored \(algorithm.rawValue) key is malformed")
        }
    }

    public var algorithm: Algorithm {
        switch backing {
        case .p256: .p256
        case .p384: .p384
        case .ed25519: .ed25519
        case .token(let key): key.algorithm
        }
    }

    /// The public key: the uncompressed point (X9.63) for ECDSA, the 32 raw bytes for Ed25519.
    public var publicKeyBytes: [UInt8] {
        switch backing {
        case .p256(let key): Array(key.publicKey.x963Representation)
        case .p384(let key): Array(key.publicKey.x963Representation)
        case .ed25519(let key): Array(key.publicKey.rawRepresentation)
        case .token(let key): key.publicKeyBytes
        }
    }

    /// The bytes to seal at rest — SEC 1 DER for ECDSA keys, the 32-byte seed for Ed25519 — or nil
    /// for a key that lives in a token and cannot leave it.
    public var exportableBytes: [UInt8]? {
        switch backing {
        case .p256(let key): Array(key.derRepresentation)
        case .p384(let key): Array(key.derRepresentation)
        case .ed25519(let key): Array(key.rawRepresentation)
        case .token: nil
        }
    }

    /// The token's name for the key (its CKA_ID), or nil for a software key.
    public var tokenReference: [UInt8]? {
        if case .token(let key) = backing { return key.reference }
        return nil
    }

    /// True when signing happens in a hardware token.
    public var isInToken: Bool {
        if case .token = backing { return true }
        return false
    }

    /// The digest an ECDSA signature is made over.
    public enum Hash: Sendable {
        case sha256, sha384
    }

    /// The signature over `message`: for ECDSA the fixed-width r‖s over SHA-256 (P-256) or SHA-384
    /// (P-384) of it, as JWS expects; for Ed25519 the 64-byte signature.
    public func signature(for message: some DataProtocol) throws -> [UInt8] {
        switch algorithm {
        case .p256: try ecdsaSignature(for: message, hash: .sha256)
        case .p384: try ecdsaSignature(for: message, hash: .sha384)
        case .ed25519:
            switch backing {
            case .ed25519(let key): Array(try key.signature(for: Array(message)))
            case .token(let key): try key.sign(Array(message))
            default: throw HearthError(.sealing, "not an Ed25519 key")
            }
        }
    }

    /// An ECDSA signature (r‖s) over `hash` of `message`, for protocols that name the hash apart
    /// from the curve (X.509's signature algorithms).
    public func ecdsaSignature(for message: some DataProtocol, hash: Hash) throws -> [UInt8] {
        switch (backing, hash) {
        case (.p256(let key), .sha256): Array(try key.signature(for: SHA256.hash(data: message)).rawRepresentation)
        case (.p256(let key), .sha384): Array(try key.signature(for: SHA384.hash(data: message)).rawRepresentation)
        case (.p384(let key), .sha256): Array(try key.signature(for: SHA256.hash(data: message)).rawRepresentation)
        case (.p384(let key), .sha384): Array(try key.signature(for: SHA384.hash(data: message)).rawRepresentation)
        case (.token(let key), _) where key.algorithm != .ed25519:
            try key.sign(hash == .sha256 ? Array(SHA256.hash(data: message)) : Array(SHA384.hash(data: message)))
        default: throw HearthError(.sealing, "an \(algorithm.rawValue) key makes no ECDSA signature")
        }
    }

    /// The software P-256 key, for code that hands the key to a library (NIOSSL) as is.
    public var softwareP256: P256.Signing.PrivateKey? {
        if case .p256(let key) = backing { return key }
        return nil
    }

    /// The software P-384 key, for the certificate library's native signer.
    public var softwareP384: P384.Signing.PrivateKey? {
        if case .p384(let key) = backing { return key }
        return nil
    }
}

/// A key held in a hardware token.
public protocol TokenKey: Sendable {
    var algorithm: HubPrivateKey.Algorithm { get }
    /// What names the key in its token, stored in the key's row.
    var reference: [UInt8] { get }
    var publicKeyBytes: [UInt8] { get }
    /// For ECDSA, signs a digest (the token's raw ECDSA mechanism) and returns r‖s; for Ed25519,
    /// signs the message itself (EdDSA hashes internally).
    func sign(_ input: [UInt8]) throws -> [UInt8]
}

/// Where keys are made and kept when the hub does not hold them itself: a PKCS#11 token.
public protocol KeyToken: Sendable {
    /// What an operator reads in errors and `hearth checkup` (module and slot; never the PIN).
    var description: String { get }
    /// Makes a key in the token, labelled `label`, that can sign but never be extracted.
    func makeKey(_ algorithm: HubPrivateKey.Algorithm, label: String) throws -> any TokenKey
    /// The key a stored reference names.
    func key(reference: [UInt8], algorithm: HubPrivateKey.Algorithm) throws -> any TokenKey
}
