import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore

/// Retiring the certificate a renewal replaced. The device's first use of the new certificate
/// does it (``DeviceAuthenticator``); for a device that keeps using the old one — a long MQTT
/// session, a device that lost its answer and never came back — the hub does it after
/// ``supersessionGrace``, so a copied old key outlives its rotation by an hour at most.
extension HubPKI {
    /// Long enough for a device that lost the answer to a renewal to ask again (with the old
    /// certificate) and get it; short enough that an old key is not worth stealing.
    package static let supersessionGrace: TimeInterval = 3600

    /// Revokes `certificates` as superseded, each only if it is still valid (under its row lock,
    /// so two nodes or two first uses revoke it once). Returns how many were revoked.
    @discardableResult
    package func supersede(_ certificates: [CertificateRecord], actor: AuditActor) async throws -> Int {
        guard !certificates.isEmpty else { return 0 }
        let revoked = try await store.write { db -> Int in
            var current: [CertificateRecord] = []
            for old in certificates {
                guard try await db.pki.lockIfValid(old.serial), let record = try await db.pki.certificate(serial: old.serial)
                else { continue }
                current.append(record)
            }
            guard !current.isEmpty else { return 0 }
            return try await revokeInTransaction(current, reason: .superseded, actor: actor, in: db, crlsNow: false).count
        }
        if revoked > 0 { try await refresh() }
        return revoked
    }

    /// The periodic half: old certificates of renewals issued more than the grace ago.
    @discardableResult
    package func supersedeUnfinishedRotations() async throws -> Int {
        let now = store.clock.now
        let stale = try await store.read { db in
            try await db.pki.unsupersededRenewals(
                renewedBefore: now.addingTimeInterval(-Self.supersessionGrace - CertificateIssuer.backdating),
                unexpiredAt: now, limit: 500)
        }
        return try await supersede(stale, actor: .system("hub"))
    }
}
