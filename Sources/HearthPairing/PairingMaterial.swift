import HearthCore
import SwiftASN1
import X509

/// What both sides of a pairing feed into its proofs, each reduced to a SHA-256 digest.
public struct PairingMaterial: Sendable, Hashable {
    /// SHA-256 of the CSR's DER: binds the device's public key (and everything it asked for).
    public let csrHash: [UInt8]
    /// SHA-256 of the SubjectPublicKeyInfo of the TLS server certificate the device saw — the
    /// hub's own, unless something stands between them.
    public let hubKeyHash: [UInt8]

    public init(csrHash: [UInt8], hubKeyHash: [UInt8]) {
        self.csrHash = csrHash
        self.hubKeyHash = hubKeyHash
    }

    public init(csrDER: [UInt8], hubCertificate: Certificate) throws {
        self.init(csrHash: Digest.sha256(csrDER), hubKeyHash: try Self.keyHash(of: hubCertificate))
    }

    /// SHA-256 of a certificate's SubjectPublicKeyInfo DER.
    public static func keyHash(of certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        return Digest.sha256(serializer.serializedBytes)
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] { Digest.sha256(bytes) }
}

/// 32 random bytes, sent base64url: the nonces of both sides.
public enum PairingNonce {
    public static let size = 32

    public static func make() -> [UInt8] { SecureRandom.bytes(size) }

    public static func decode(_ text: String, field: String) throws -> [UInt8] {
        guard let bytes = Base64URL.decode(text), bytes.count == size else {
            throw HearthError(.invalidInput, "\(field) must be \(size) bytes, base64url without padding")
        }
        return bytes
    }
}
