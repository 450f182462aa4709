import Crypto
import HearthCore
import NIOCore
import NIOSSL

extension NIOSSLPrivateKey {
    /// A P-256 key as NIOSSL's TLS key: a software key as is, a key in a token (the hub's PKCS#11
    /// token, a device's TPM) through ``TokenTLSKey``.
    public convenience init(_ key: HubPrivateKey) throws {
        if let software = key.softwareP256 {
            try self.init(bytes: Array(software.pemRepresentation.utf8), format: .pem)
        } else if key.isInToken, key.algorithm == .p256 {
            self.init(customPrivateKey: TokenTLSKey(key: key))
        } else {
            throw HearthError(.sealing, "a \(key.algorithm.rawValue) key cannot be a TLS key here (P-256 only)")
        }
    }
}

/// A P-256 TLS key in a token: BoringSSL hands each handshake's CertificateVerify input here and
/// the token signs its digest. The signature is made on the connection's event loop: SoftHSM
/// answers in a fraction of a millisecond (BENCHMARKS.md); a TPM, which derives the key again for
/// each signature, takes milliseconds, which a device making a handful of handshakes can afford.
struct TokenTLSKey: NIOSSLCustomPrivateKey, Hashable {
    let key: HubPrivateKey

    var signatureAlgorithms: [SignatureAlgorithm] { [.ecdsaSecp256R1Sha256] }

    func sign(channel: any Channel, algorithm: SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeCompletedFuture {
            guard algorithm == .ecdsaSecp256R1Sha256 else { throw NIOSSLError.unableToAllocateBoringSSLObject }
            let raw = try key.ecdsaSignature(for: Array(data.readableBytesView), hash: .sha256)
            return ByteBuffer(bytes: try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        }
    }

    /// Only RSA key exchange decrypts, and the hub's key is ECDSA.
    func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(NIOSSLError.unableToAllocateBoringSSLObject)
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.key.publicKeyBytes == rhs.key.publicKeyBytes }
    func hash(into hasher: inout Hasher) { hasher.combine(key.publicKeyBytes) }
}
