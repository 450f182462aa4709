import Crypto
import HearthCore
import HearthKeys
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// One CA of the hub in memory: its stored record, its parsed certificate and, for issuing
/// intermediates, its unsealed key. The root's key is never held here; operations that need it
/// unseal it for their own duration (``RootKey``). A class so that the many values holding one
/// (every prepared certificate) share it instead of copying a certificate each.
public final class LoadedAuthority: Sendable {
    public let record: AuthorityRecord
    public let certificate: Certificate
    /// The intermediate's signer with the hub's CRL and OCSP URLs; nil for the root.
    public let issuing: IssuingAuthority?
    /// The certificate in PEM, made once: every issued chain ends with it.
    public let pem: String
    /// Answers OCSP for what this intermediate issued; nil for the root.
    public let ocsp: OCSPResponder?

    public var id: String { record.id }

    package init(record: AuthorityRecord, sealer: KeySealer, publicURL: String) throws {
        self.record = record
        self.certificate = try Certificate(derEncoded: record.certificateDER)
        self.pem = PEMText.certificate(record.certificateDER)
        if record.role == .intermediate {
            let key = try Certificate.PrivateKey(sealer.openKey(record.sealedKey, .p256, name: Self.sealedName(record.id)))
            // The sealed name binds a key to its row; this binds it to the certificate, so a
            // mix-up could never sign under another CA's name.
            guard key.publicKey == certificate.publicKey else {
                throw HearthError(.storageUnavailable, "the stored key of CA \(record.id) does not match its certificate")
            }
            let issuing = IssuingAuthority(
                certificate: certificate,
                privateKey: key,
                crlURL: PKIURLs.crl(publicURL: publicURL, issuer: record.id), ocspURL: PKIURLs.ocsp(publicURL: publicURL))
            self.issuing = issuing
            ocsp = OCSPResponder(authority: issuing)
        } else {
            issuing = nil
            ocsp = nil
        }
    }

    /// The AAD a CA key is sealed under, so a sealed key cannot be moved to another CA's row.
    package static func sealedName(_ id: String) -> String { "ca:\(id)" }

    /// The authority id: hex of the CA's subject key identifier.
    package static func id(of certificate: Certificate) throws -> String {
        let keyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        return Array(keyID).hexString
    }
}

/// The root's private key, unsealed (or found in the token) only for the operations that need it.
package enum RootKey {
    package static func unseal(_ root: AuthorityRecord, sealer: KeySealer) throws -> HubPrivateKey {
        try sealer.openKey(root.sealedKey, .p384, name: LoadedAuthority.sealedName(root.id))
    }
}

/// Where clients fetch revocation data; embedded in every certificate the hub issues.
package enum PKIURLs {
    package static func crl(publicURL: String, issuer: String) -> String { "\(publicURL)/v1/pki/crl/\(issuer).crl" }
    package static func ocsp(publicURL: String) -> String { "\(publicURL)/v1/pki/ocsp" }
}
