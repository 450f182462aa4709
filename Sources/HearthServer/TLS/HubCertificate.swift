import Crypto
import Foundation
import HearthCore
import NIOSSL
import SwiftASN1
import X509

/// The hub's TLS server identity: a P-256 key and a self-signed certificate made at init.
///
/// Self-signed for now (clients pin it with `--cacert`); the PKI issue replaces it with a
/// certificate from the hub's own CA. The key exists in clear only in memory: at rest it is
/// sealed in the database under the KEK.
public struct HubCertificate: Sendable {
    public static let keyName = "hub-tls"

    public let privateKey: P256.Signing.PrivateKey
    public let certificatePEM: String

    public init(privateKey: P256.Signing.PrivateKey, certificatePEM: String) {
        self.privateKey = privateKey
        self.certificatePEM = certificatePEM
    }

    /// Makes a new key and a certificate valid for `localhost`, 127.0.0.1, ::1 and `hostnames`.
    public static func generate(trustDomain: String, hostnames: [String], now: Date) throws -> HubCertificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Hearth")
            CommonName("Hearth hub \(trustDomain)")
        }
        var names: [GeneralName] = [.dnsName("localhost")]
        for host in hostnames where host != "localhost" { names.append(.dnsName(host)) }
        names.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
            SubjectKeyIdentifier(hash: publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            // Back-dated a little so a client whose clock runs slightly behind still accepts it.
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(397 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
        return HubCertificate(privateKey: key, certificatePEM: try certificate.serializeAsPEM().pemString)
    }

    /// The server side of TLS 1.3 with this identity.
    public func serverTLSConfiguration() throws -> TLSConfiguration {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(privateKey.pemRepresentation.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv13
        return configuration
    }

    /// Seals the key for storage beside its certificate.
    public func sealedKey(with sealer: KeySealer) throws -> [UInt8] {
        try sealer.seal(Array(privateKey.derRepresentation), name: Self.keyName)
    }

    public static func unseal(_ sealedKey: [UInt8], certificatePEM: String, with sealer: KeySealer) throws -> HubCertificate {
        let der = try sealer.open(sealedKey, name: keyName)
        return HubCertificate(privateKey: try P256.Signing.PrivateKey(derRepresentation: der), certificatePEM: certificatePEM)
    }
}
