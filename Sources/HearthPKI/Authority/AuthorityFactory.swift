import Crypto
import Foundation
import HearthCore
import HearthKeys
import SwiftASN1
import X509

/// Makes the CA certificates of a hub: a self-signed root and issuing intermediates under it.
///
/// The root is P-384 and is needed only to make or rotate intermediates; intermediates are P-256,
/// the cheapest signature every client verifies, because they sign every device certificate.
/// Which URI hosts an intermediate may certify is the caller's decision (see docs/pki.md): RFC 5280
/// URI name constraints compare only the host of a URI, never its path.
public enum AuthorityFactory {
    /// The root certificate for `key` (a new software key unless given one, e.g. made in a token).
    public static func makeRoot(
        commonName: String, key: HubPrivateKey = .generate(.p384), now: Date, lifetime: TimeInterval
    ) throws -> (certificate: Certificate, key: HubPrivateKey) {
        let signer = try Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("Hearth")
            CommonName(commonName)
        }
        let publicKey = signer.publicKey
        let certificate = try Certificate(
            version: .v3, serialNumber: CertificateIssuer.randomSerial(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-CertificateIssuer.backdating), notValidAfter: now.addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: signer)
        return (certificate, key)
    }

    /// An issuing CA (path length 0) signed by `root`, limited to URIs on `permittedURIHosts` and
    /// to the DNS names of `hostNames`.
    public static func makeIntermediate(
        commonName: String, permittedURIHosts: [String], hostNames: HostNameConstraints, root: Certificate,
        rootKey: HubPrivateKey, key: HubPrivateKey = .generate(.p256), now: Date, lifetime: TimeInterval
    ) throws -> (certificate: Certificate, key: HubPrivateKey) {
        let publicKey = try Certificate.PrivateKey(key).publicKey
        let rootKeyID = try root.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: root.publicKey).keyIdentifier
        let certificate = try Certificate(
            version: .v3, serialNumber: CertificateIssuer.randomSerial(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-CertificateIssuer.backdating),
            notValidAfter: min(now.addingTimeInterval(lifetime), root.notValidAfter),
            issuer: root.subject,
            subject: try DistinguishedName {
                OrganizationName("Hearth")
                CommonName(commonName)
            },
            signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                Critical(NameConstraints(permittedDNSDomains: hostNames.dnsDomains, permittedURIDomains: permittedURIHosts))
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: rootKeyID)
            },
            issuerPrivateKey: try Certificate.PrivateKey(rootKey))
        return (certificate, key)
    }
}
