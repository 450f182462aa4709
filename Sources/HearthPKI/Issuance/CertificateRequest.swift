import Crypto
import Foundation
import HearthCore
import SwiftASN1
import X509

/// A PKCS#10 certificate signing request the hub has checked and may issue for.
///
/// Only three things are taken from a CSR: its public key, proof that the requester holds the
/// private key (the CSR's own signature), and nothing else. The subject, SANs and any extensions
/// it asks for are reported (so callers can log or refuse them) but never copied into a
/// certificate: the profile decides those.
public struct CertificateRequest: Sendable {
    /// The key types Hearth issues for. RSA is refused outright: every device stack Hearth targets
    /// does P-256, and RSA keys are larger and slower to check on every handshake.
    public enum KeyAlgorithm: String, Sendable, CaseIterable {
        case p256 = "P-256"
        case p384 = "P-384"
        case ed25519 = "Ed25519"
    }

    /// Larger than any CSR for the accepted key types with a reasonable subject.
    public static let maximumBytes = 8 * 1024

    public let publicKey: Certificate.PublicKey
    public let keyAlgorithm: KeyAlgorithm
    /// Lower-case hex SHA-256 of the subjectPublicKey bits (the EC point or Ed25519 key, whose
    /// lengths differ by type): how key reuse is recognized.
    public let keyFingerprint: String
    /// The subjectPublicKey bits, read once (serializing a key again costs a point conversion).
    public let subjectPublicKeyBits: [UInt8]
    /// The subject the requester wrote, for logs only.
    public let requestedSubject: DistinguishedName
    /// The dotted OIDs of the extensions the CSR asks for (SANs, basic constraints …), never honoured.
    public let requestedExtensions: [String]
    /// The request exactly as received (pairing proofs are computed over these bytes).
    public let der: [UInt8]

    /// Parses a PEM `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) block.
    public init(pem: String) throws {
        guard pem.utf8.count <= Self.maximumBytes * 2 else { throw Self.refused("the CSR is larger than \(Self.maximumBytes) bytes") }
        guard let document = PEMText.decode(pem) else { throw Self.refused("the CSR is not a PEM block") }
        guard ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"].contains(document.label) else {
            throw Self.refused("the PEM block is a \(document.label.prefix(40)), not a CERTIFICATE REQUEST")
        }
        try self.init(der: document.der)
    }

    public init(der: [UInt8]) throws {
        guard der.count <= Self.maximumBytes else { throw Self.refused("the CSR is larger than \(Self.maximumBytes) bytes") }
        self.der = der
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: der)
        } catch {
            // swift-certificates refuses keys it cannot use (RSA-1024, P-192 …) as if the DER were
            // broken; a well-formed request with such a key is told so.
            if let keyType = RequestedKeyType.name(der: der) { throw Self.keyTypeRefused(keyType) }
            throw Self.refused("the CSR is not a well-formed PKCS#10 request")
        }
        guard csr.version == .v1 else { throw Self.refused("the CSR is not a version 1 PKCS#10 request") }
        let algorithm: KeyAlgorithm
        let allowedSignatures: [Certificate.SignatureAlgorithm]
        if P256.Signing.PublicKey(csr.publicKey) != nil {
            algorithm = .p256
            allowedSignatures = [.ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512]
        } else if P384.Signing.PublicKey(csr.publicKey) != nil {
            algorithm = .p384
            allowedSignatures = [.ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512]
        } else if Curve25519.Signing.PublicKey(csr.publicKey) != nil {
            algorithm = .ed25519
            allowedSignatures = [.ed25519]
        } else {
            throw Self.keyTypeRefused(RequestedKeyType.name(der: der) ?? "unknown")
        }
        guard allowedSignatures.contains(csr.signatureAlgorithm) else {
            throw Self.refused("the CSR is signed with \(csr.signatureAlgorithm), which is not accepted for a \(algorithm.rawValue) key")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw Self.refused("the CSR's signature does not verify with its own key")
        }
        publicKey = csr.publicKey
        keyAlgorithm = algorithm
        subjectPublicKeyBits = Array(csr.publicKey.subjectPublicKeyInfoBytes)
        keyFingerprint = KeyFingerprint.of(bits: subjectPublicKeyBits)
        requestedSubject = csr.subject
        do {
            requestedExtensions = try csr.attributes.extensionRequest?.extensions.map { $0.oid.description } ?? []
        } catch {
            throw Self.refused("the CSR's extension request is malformed")
        }
    }

    static func refused(_ reason: String) -> HearthError { HearthError(.invalidInput, reason) }

    /// One wording for every refused key, whether swift-certificates could read it or not.
    static func keyTypeRefused(_ keyType: String) -> HearthError {
        let rsa = keyType.hasPrefix("RSA") ? " (RSA is not accepted at any size)" : ""
        return refused("the CSR's key type (\(keyType)) is not accepted; use P-256, P-384 or Ed25519\(rsa)")
    }
}
