import Crypto
import Foundation
import HearthCore
import SwiftASN1
import X509

/// An issuing CA in memory: its certificate, its (unsealed) key, and where relying parties find
/// its revocation status.
public struct IssuingAuthority: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey
    public let crlURL: String
    public let ocspURL: String

    /// Read from the CA certificate once, not for every certificate it signs.
    let keyIdentifier: ArraySlice<UInt8>
    let permittedURIHosts: [String]
    let hostNames: HostNameConstraints
    let signatureAlgorithm: Certificate.SignatureAlgorithm

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey, crlURL: String, ocspURL: String) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.crlURL = crlURL
        self.ocspURL = ocspURL
        keyIdentifier = (try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        permittedURIHosts = ((try? certificate.extensions.nameConstraints)?.permittedURIDomains).map(Array.init) ?? []
        hostNames = HostNameConstraints(of: certificate)
        signatureAlgorithm = CertificateIssuer.signatureAlgorithm(for: privateKey)
    }
}

/// What the hub decided to certify for a checked request: the names come from the hub (the
/// device's SPIFFE id, the server's host names), never from the CSR.
public struct Issuance: Sendable {
    public let request: CertificateRequest
    public let profile: CertificateProfile
    /// A non-personal identifier for the subject CN (a device id, a host name).
    public let commonName: String
    public let subjectAlternativeNames: [GeneralName]
    public let lifetime: Duration?

    public init(
        request: CertificateRequest, profile: CertificateProfile, commonName: String,
        subjectAlternativeNames: [GeneralName], lifetime: Duration? = nil
    ) {
        self.request = request
        self.profile = profile
        self.commonName = commonName
        self.subjectAlternativeNames = subjectAlternativeNames
        self.lifetime = lifetime
    }
}

public enum CertificateIssuer {
    /// How far `notBefore` is set back, so a device whose clock is slightly behind accepts it.
    public static let backdating = CertificateValidity.backdating

    /// Signs the certificate for `issuance`; nothing from the CSR but its key is used.
    public static func issue(_ issuance: Issuance, by authority: IssuingAuthority, now: Date) throws -> Certificate {
        let lifetime = issuance.lifetime ?? issuance.profile.defaultLifetime
        guard lifetime > .zero, lifetime <= issuance.profile.maximumLifetime else {
            throw HearthError(
                .invalidInput,
                "a \(issuance.profile.rawValue) certificate lives at most \(Int(issuance.profile.maximumLifetime.components.seconds / 86_400)) days")
        }
        guard !issuance.subjectAlternativeNames.isEmpty else {
            throw HearthError(.invalidInput, "a certificate needs at least one subject alternative name")
        }
        try checkNameConstraints(issuance.subjectAlternativeNames, permitted: authority.permittedURIHosts)
        try checkHostNames(issuance.subjectAlternativeNames, permitted: authority.hostNames)
        let notAfter = min(
            now.addingTimeInterval(TimeInterval(lifetime.components.seconds)), authority.certificate.notValidAfter)
        guard notAfter > now else { throw HearthError(.illegalTransition, "the issuing CA has expired") }

        var usages: [ExtendedKeyUsage.Usage] = []
        if issuance.profile.isClient { usages.append(.clientAuth) }
        if issuance.profile.isServer { usages.append(.serverAuth) }
        let publicKey = issuance.request.publicKey
        let issuerKeyID = authority.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usages)
            SubjectAlternativeNames(issuance.subjectAlternativeNames)
            // RFC 5280 §4.2.1.2 method 1, from the bits the CSR already holds.
            SubjectKeyIdentifier(
                keyIdentifier: ArraySlice(Insecure.SHA1.hash(data: issuance.request.subjectPublicKeyBits)))
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
            AuthorityInformationAccess([.init(method: .ocspServer, location: .uniformResourceIdentifier(authority.ocspURL))])
            try CRLDistributionPoints.extension(url: authority.crlURL)
        }
        let subject = try DistinguishedName {
            OrganizationName("Hearth")
            CommonName(issuance.commonName)
        }
        return try Certificate(
            version: .v3, serialNumber: randomSerial(), publicKey: publicKey,
            notValidBefore: max(now.addingTimeInterval(-backdating), authority.certificate.notValidBefore),
            notValidAfter: notAfter, issuer: authority.certificate.subject, subject: subject,
            signatureAlgorithm: authority.signatureAlgorithm, extensions: extensions,
            issuerPrivateKey: authority.privateKey)
    }

    /// Refuses to sign a URI the issuing CA's own name constraints exclude: relying parties would
    /// reject the certificate, so issuing it would only hide a mistake in the caller.
    static func checkNameConstraints(_ names: [GeneralName], permitted: [String]) throws {
        guard !permitted.isEmpty else { return }
        for case .uniformResourceIdentifier(let uri) in names {
            let host = Self.host(of: uri)
            let allowed = permitted.contains { constraint in
                let constraint = constraint.lowercased()
                return constraint.hasPrefix(".") ? host.hasSuffix(constraint) : host == constraint
            }
            guard allowed else {
                throw HearthError(.invalidInput, "the issuing CA may not certify \(uri): its host is outside the CA's name constraints")
            }
        }
    }

    /// The same for DNS names and IP addresses: refused here with the reason, rather than issued
    /// and then rejected by every client that checks the chain.
    static func checkHostNames(_ names: [GeneralName], permitted: HostNameConstraints) throws {
        for name in names {
            switch name {
            case .dnsName(let dnsName) where !permitted.permits(dnsName: dnsName):
                throw HearthError(
                    .invalidInput,
                    "the hub's CAs may not certify \(dnsName): only \(permitted.dnsDomains.joined(separator: ", ")) names (and their subdomains) — the hub's host names, localhost, home.arpa and local")
            case .ipAddress(let address) where !permitted.permits(ipAddress: Array(address.bytes)):
                throw HearthError(
                    .invalidInput, "the hub's CAs may not certify that IP address: only loopback and private (RFC 1918, fc00::/7) addresses")
            default:
                continue
            }
        }
    }

    /// The host of a `scheme://host/path` URI, lower-cased; URLComponents for anything with a
    /// user, port or other authority syntax.
    static func host(of uri: String) -> String {
        let bytes = Array(uri.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes.count > colon + 2,
              bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return "" }
        let authority = bytes[(colon + 3)...].prefix {
            $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#")
        }
        if authority.contains(where: { [UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "%")].contains($0) }) {
            return URLComponents(string: uri)?.host?.lowercased() ?? ""
        }
        return String(decoding: authority.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// A positive serial carrying 128 random bits: 0x01 then 16 random bytes. The leading 0x01
    /// keeps the length fixed at 17 octets (RFC 5280 allows 20) whatever the random bytes are —
    /// never a sign byte, never a dropped leading zero.
    static func randomSerial() -> Certificate.SerialNumber {
        Certificate.SerialNumber(bytes: [0x01] + SecureRandom.bytes(16))
    }

    /// The hash matched to the CA key's strength (SHA-384 for P-384, as RFC 5480 recommends).
    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        if P384.Signing.PublicKey(key.publicKey) != nil { return .ecdsaWithSHA384 }
        if Curve25519.Signing.PublicKey(key.publicKey) != nil { return .ed25519 }
        return .ecdsaWithSHA256
    }
}
