import Crypto
import Foundation
import HearthCore
import SwiftASN1
import X509

extension Certificate.PrivateKey {
    /// The hub's key as the certificate library's signer: a software key signs natively; a key in a
    /// token signs through ``TokenCertificateKey``.
    public init(_ key: HubPrivateKey) throws {
        if let software = key.softwareP256 {
            self.init(software)
        } else if let software = key.softwareP384 {
            self.init(software)
        } else if key.isInToken, key.algorithm != .ed25519 {
            self.init(try TokenCertificateKey(key))
        } else {
            throw HearthError(.sealing, "a \(key.algorithm.rawValue) key cannot sign certificates here")
        }
    }
}

/// An ECDSA key in a token (the hub's PKCS#11 token, a device's TPM), as swift-certificates' custom private key: the certificate,
/// CRL or OCSP response is hashed here and the digest signed in the token.
struct TokenCertificateKey: CustomPrivateKey {
    let key: HubPrivateKey
    let publicKey: Certificate.PublicKey

    init(_ key: HubPrivateKey) throws {
        self.key = key
        publicKey = switch key.algorithm {
        case .p256: Certificate.PublicKey(try P256.Signing.PublicKey(x963Representation: key.publicKeyBytes))
        default: Certificate.PublicKey(try P384.Signing.PublicKey(x963Representation: key.publicKeyBytes))
        }
    }

    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        key.algorithm == .p256 ? .ecdsaWithSHA256 : .ecdsaWithSHA384
    }

    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [.ecdsaWithSHA256, .ecdsaWithSHA384] }

    func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        let raw: [UInt8]
        switch signatureAlgorithm {
        case .ecdsaWithSHA256: raw = try key.ecdsaSignature(for: bytes, hash: .sha256)
        case .ecdsaWithSHA384: raw = try key.ecdsaSignature(for: bytes, hash: .sha384)
        default: throw CertificateError.unsupportedSignatureAlgorithm(reason: "a token key signs only ECDSA with SHA-256 or SHA-384")
        }
        let der: Data = switch key.algorithm {
        case .p256: try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
        default: try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
        }
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: ArraySlice(der)))
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.publicKey == rhs.publicKey }
    func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    // A key in a token has no serialization: these exist because the protocol requires them.
    static var defaultPEMDiscriminator: String { "PRIVATE KEY" }
    func serialize(into coder: inout DER.Serializer) throws {
        throw CertificateError.unsupportedPrivateKey(reason: "a key in a PKCS#11 token never leaves it")
    }
}
