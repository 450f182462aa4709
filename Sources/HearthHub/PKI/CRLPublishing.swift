import Foundation
import HearthAudit
import HearthCore
import HearthKeys
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// Signs and stores an issuer's CRL inside the caller's transaction, with a `crl.generated`
/// audit entry. An intermediate's CRL lists its revoked, unexpired certificates; the root's
/// lists revoked intermediates.
package enum CRLPublishing {
    /// How long a CRL is valid; a fresh one is made on every change and after ``refreshAge``.
    package static let validity: TimeInterval = 24 * 3600
    package static let refreshAge: TimeInterval = 12 * 3600

    @discardableResult
    package static func publish(
        _ authority: LoadedAuthority, in db: StoreSession, sealer: KeySealer, publicURL: String, actor: AuditActor,
        now: Date
    ) async throws -> StoredCRL {
        let signer: IssuingAuthority
        let revoked: [RevokedCertificate]
        if let issuing = authority.issuing {
            signer = issuing
            revoked = try await db.pki.revokedEntries(issuer: authority.id, unexpiredAt: now).map { record in
                RevokedCertificate(
                    serial: Hex.decode(record.serial) ?? [], revokedAt: record.revokedAt ?? now,
                    reason: record.revocationReason.flatMap(RevocationReason.init(rawValue:)) ?? .unspecified)
            }
        } else {
            signer = IssuingAuthority(
                certificate: authority.certificate,
                privateKey: try Certificate.PrivateKey(RootKey.unseal(authority.record, sealer: sealer)),
                crlURL: PKIURLs.crl(publicURL: publicURL, issuer: authority.id), ocspURL: PKIURLs.ocsp(publicURL: publicURL))
            revoked = try await db.pki.authorities().filter { $0.role == .intermediate && $0.state == .revoked }.map {
                let certificate = try Certificate(derEncoded: $0.certificateDER)
                return RevokedCertificate(
                    serial: Array(certificate.serialNumber.bytes), revokedAt: $0.retiredAt ?? now, reason: .caCompromise)
            }
        }
        let number = try await db.pki.nextCRLNumber(authority.id)
        let crl = StoredCRL(
            issuerID: authority.id, number: number, thisUpdate: now, nextUpdate: now.addingTimeInterval(validity),
            der: try CRLBuilder.build(
                authority: signer, revoked: revoked, number: UInt64(number), thisUpdate: now,
                nextUpdate: now.addingTimeInterval(validity)))
        try await db.pki.storeCRL(crl)
        try await db.audit.append(AuditEvent(
            .crlGenerated, actor: actor, subject: "ca:\(authority.id)",
            household: authority.record.householdID.flatMap(HouseholdID.init), reason: "CRL \(number)",
            details: ["number": "\(number)", "entries": "\(revoked.count)", "next_update": RFC3339.format(crl.nextUpdate)]))
        return crl
    }
}
