import Foundation
import HearthCore
import HearthPKI
import HearthStore
import X509

/// An inventory entry as the API and `hearth ca list --json` show it (explicit nulls).
public struct CertificateView: Encodable, Sendable {
    package let record: CertificateRecord

    public init(_ record: CertificateRecord) { self.record = record }

    package enum CodingKeys: String, CodingKey {
        case serial, issuer, device, zone, profile, uri, status, origin
        case keyFingerprint = "key_fingerprint"
        case notBefore = "not_before"
        case notAfter = "not_after"
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
        case issuedAuditIndex = "issued_audit_index"
        case revokedAuditIndex = "revoked_audit_index"
        case renewedFrom = "renewed_from"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.serial, forKey: .serial)
        try container.encode(record.issuerID, forKey: .issuer)
        try container.encode(record.deviceID, forKey: .device)
        try container.encode(record.zone, forKey: .zone)
        try container.encode(record.profile, forKey: .profile)
        try container.encode(record.uri, forKey: .uri)
        try container.encode(record.status.rawValue, forKey: .status)
        try container.encode(record.keyFingerprint, forKey: .keyFingerprint)
        try container.encode(RFC3339.format(record.notBefore), forKey: .notBefore)
        try container.encode(RFC3339.format(record.notAfter), forKey: .notAfter)
        try container.encode(record.revokedAt.map(RFC3339.format), forKey: .revokedAt)
        try container.encode(
            record.revocationReason.flatMap { RevocationReason(rawValue: $0)?.name }, forKey: .revocationReason)
        try container.encode(record.issuedAuditSeq, forKey: .issuedAuditIndex)
        try container.encode(record.revokedAuditSeq, forKey: .revokedAuditIndex)
        try container.encode(record.renewedFrom, forKey: .renewedFrom)
        try container.encode(record.origin.rawValue, forKey: .origin)
    }
}

/// A newly issued certificate: its inventory entry and the PEM chain to install.
package struct IssuedView: Encodable {
    package let certificate: CertificateView
    package let chainPEM: String

    package init(_ issued: IssuedCertificate) {
        certificate = CertificateView(issued.record)
        chainPEM = issued.chainPEM
    }

    package enum CodingKeys: String, CodingKey {
        case certificate
        case chainPEM = "chain_pem"
    }
}

/// One CA as `GET /v1/pki/authorities` and `hearth ca authorities` show it.
public struct AuthorityView: Encodable, Sendable {
    package let id: String
    package let role: String
    package let zone: String?
    package let state: String
    package let subject: String
    package let notAfter: String
    package let crlPath: String

    public init(_ authority: LoadedAuthority) {
        id = authority.id
        role = authority.record.role.rawValue
        zone = authority.record.zone
        state = authority.record.state.rawValue
        subject = authority.certificate.subject.description
        notAfter = RFC3339.format(authority.record.notAfter)
        crlPath = "/v1/pki/crl/\(authority.id).crl"
    }

    package enum CodingKeys: String, CodingKey {
        case id, role, zone, state, subject
        case notAfter = "not_after"
        case crlPath = "crl_path"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(role, forKey: .role)
        try container.encode(zone, forKey: .zone)
        try container.encode(state, forKey: .state)
        try container.encode(subject, forKey: .subject)
        try container.encode(notAfter, forKey: .notAfter)
        try container.encode(crlPath, forKey: .crlPath)
    }
}
