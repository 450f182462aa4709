import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthKeys
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// The hub's TLS server identity: a P-256 key and a `server` certificate issued by the first
/// household's `default` zone CA, so clients trust it through the hub's root (`curl --cacert
/// ca-root.pem`, no `-k`). The key exists in clear only in memory: at rest it is sealed under the KEK
/// (or it lives in the hub's PKCS#11 token and signs handshakes there).
public struct HubCertificate: Sendable {
    public static let keyName = "hub-tls"

    public let privateKey: HubPrivateKey
    /// The hub's certificate followed by its issuing intermediate.
    public let certificatePEM: String

    public init(privateKey: HubPrivateKey, certificatePEM: String) {
        self.privateKey = privateKey
        self.certificatePEM = certificatePEM
    }

    /// The leaf certificate (the first of the chain).
    public var certificate: Certificate {
        get throws {
            guard let first = try PEMDocument.parseMultiple(pemString: certificatePEM).first else {
                throw HearthError(.storageUnavailable, "the stored hub certificate chain is empty")
            }
            return try Certificate(pemDocument: first)
        }
    }

    /// The id of the CA that issued it (its authority key identifier); nil for a self-signed one.
    package var issuerID: String? { Self.issuerID(ofChainPEM: certificatePEM) }

    package static func issuerID(ofChainPEM pem: String) -> String? {
        guard let first = try? PEMDocument.parseMultiple(pemString: pem).first,
              let leaf = try? Certificate(pemDocument: first), leaf.issuer != leaf.subject
        else { return nil }
        return try? leaf.extensions.authorityKeyIdentifier?.keyIdentifier.map { Array($0).hexString }
    }

    /// True when the certificate should be replaced: from a hub made before it had a CA
    /// (self-signed), issued by a CA that no longer issues, or in the last third of its life.
    package func needsRenewal(authorities: AuthoritySet, now: Date) -> Bool {
        guard let leaf = try? certificate, leaf.issuer != leaf.subject, let issuerID,
              authorities.authority(issuerID)?.record.state == .active
        else { return true }
        let lifetime = leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore)
        return leaf.notValidAfter.timeIntervalSince(now) < lifetime / 3
    }

    /// The DNS names of the hub's certificate, and the names it answers to over HTTPS
    /// (``HostNames``): `localhost` and the operator's `--hostname`s.
    package static func dnsNames(hostnames: [String]) -> [String] {
        ["localhost"] + hostnames.filter { $0 != "localhost" }
    }

    /// Makes a new key and has the hub's CA certify it for `localhost`, 127.0.0.1, ::1 and
    /// `hostnames`, storing both (key sealed) in the caller's transaction.
    package static func issue(
        in db: StoreSession, authorities: AuthoritySet, trustDomain: String, household: HouseholdID, hostnames: [String],
        sealer: KeySealer, actor: AuditActor, now: Date
    ) async throws -> HubCertificate {
        let key = try sealer.makeKey(.p256, label: "hearth hub TLS")
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("hub") }, privateKey: try Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        let dnsNames = Self.dnsNames(hostnames: hostnames)
        let issued = try await RecordedIssuance.issue(
            try CertificateOrder(
                request: try CertificateRequest(der: serializer.serializedBytes), profile: .server, household: household,
                subject: .hub, dnsNames: dnsNames, ipAddresses: [[127, 0, 0, 1], [UInt8](repeating: 0, count: 15) + [1]],
                lifetime: CertificateProfile.server.maximumLifetime),
            in: db, authorities: authorities, trustDomain: trustDomain, actor: actor, now: now)
        let hub = HubCertificate(privateKey: key, certificatePEM: issued.chainPEM)
        try await db.hub.replace(.init(
            name: keyName, sealedKey: try sealer.store(key, name: keyName),
            certificatePEM: issued.chainPEM, createdAt: now))
        return hub
    }

    public static func unseal(_ sealedKey: [UInt8], certificatePEM: String, with sealer: KeySealer) throws -> HubCertificate {
        HubCertificate(privateKey: try sealer.openKey(sealedKey, .p256, name: keyName), certificatePEM: certificatePEM)
    }
}
