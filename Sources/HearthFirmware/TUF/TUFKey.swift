import Crypto
import Foundation
import HearthCore

/// A public key as TUF metadata lists it (`keytype`, `scheme`, `keyval.public`), with what it
/// signs checked the way securesystemslib does: Ed25519 keys are 32 bytes in hex and sign raw;
/// ECDSA P-256 keys are a PEM public key and sign SHA-256 digests, the signature DER in hex.
public struct TUFKey: Sendable, Hashable {
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case ed25519
        case ecdsaP256 = "ecdsa-sha2-nistp256"
    }

    public let algorithm: Algorithm
    /// `keyval.public`: hex (Ed25519) or PEM (ECDSA).
    public let publicValue: String

    public init(algorithm: Algorithm, publicValue: String) throws(TUFError) {
        self.algorithm = algorithm
        self.publicValue = publicValue
        switch algorithm {
        case .ed25519:
            guard let raw = Hex.decode(publicValue), (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
                throw .key("an Ed25519 key's public value is 32 bytes in hex")
            }
        case .ecdsaP256:
            guard (try? P256.Signing.PublicKey(pemRepresentation: publicValue)) != nil else {
                throw .key("an ECDSA key's public value is a P-256 public key in PEM")
            }
        }
    }

    /// A key as TUF metadata writes it.
    public init(json: JSONValue) throws(TUFError) {
        guard let keytype = json["keytype"]?.string, let scheme = json["scheme"]?.string,
              let value = json["keyval"]?["public"]?.string
        else { throw .malformed("a key has keytype, scheme and keyval.public") }
        switch (keytype, scheme) {
        case ("ed25519", "ed25519"): try self.init(algorithm: .ed25519, publicValue: value)
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            try self.init(algorithm: .ecdsaP256, publicValue: value)
        default: throw .key("keys are Ed25519 (scheme ed25519) or ECDSA P-256 (scheme ecdsa-sha2-nistp256), not \(keytype)/\(scheme)")
        }
    }

    public var json: JSONValue {
        .object([
            "keytype": .string(algorithm == .ed25519 ? "ed25519" : "ecdsa"),
            "scheme": .string(algorithm.rawValue),
            "keyval": .object(["public": .string(publicValue)]),
        ])
    }

    /// The key's id: the SHA-256 of its canonical form, in hex (TUF specification, "KEYID").
    public var id: String { SHA256.hash(data: json.canonical).hexString }

    /// Whether `signature` (hex, as TUF writes it) is this key's over `message`.
    public func verifies(_ signature: String, over message: [UInt8]) -> Bool {
        guard let bytes = Hex.decode(signature) else { return false }
        switch algorithm {
        case .ed25519:
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: Hex.decode(publicValue) ?? []) else { return false }
            return key.isValidSignature(bytes, for: message)
        case .ecdsaP256:
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: publicValue),
                  let der = try? P256.Signing.ECDSASignature(derRepresentation: bytes)
            else { return false }
            return key.isValidSignature(der, for: SHA256.hash(data: message))
        }
    }
}
