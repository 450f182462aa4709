import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// Creates the hub's CAs: a P-384 root and, for every household, one name-constrained P-256
/// intermediate per zone. Runs inside the caller's transaction, with an audit entry per CA.
package enum AuthorityProvisioning {
    package static let rootLifetime: TimeInterval = 20 * 365 * 86_400
    package static let intermediateLifetime: TimeInterval = 5 * 365 * 86_400

    /// Makes whatever is missing: the PKI state row, the root, and the intermediates of every
    /// zone of every household. Returns the CAs it created (each still needs its first CRL).
    @discardableResult
    package static func ensure(
        in db: StoreSession, sealer: KeySealer, trustDomain: String, publicURL: String, hostnames: [String],
        actor: AuditActor, now: Date
    ) async throws -> [AuthorityRecord] {
        var created: [AuthorityRecord] = []
        if try await db.pki.publicURL() == nil {
            try await db.pki.insertState(publicURL: publicURL)
        }
        let existing = try await db.pki.authorities()
        let root: AuthorityRecord
        if let stored = existing.first(where: { $0.role == .root }) {
            root = stored
        } else {
            root = try await createRoot(in: db, sealer: sealer, trustDomain: trustDomain, actor: actor, now: now)
            created.append(root)
        }
        // Unsealed only if an intermediate is missing.
        var rootKey: HubPrivateKey?
        for household in try await db.households.all() {
            for zone in try await db.households.zones(of: household.id)
            where !existing.contains(where: {
                $0.householdID == household.id.rawValue && $0.zone == zone.name && $0.state == .active
            }) {
                let key = try rootKey ?? RootKey.unseal(root, sealer: sealer)
                rootKey = key
                created.append(try await createIntermediate(
                    in: db, sealer: sealer, root: root, rootKey: key,
                    hostNames: try hostNames(existing: existing, else: hostnames),
                    namespace: IdentityNamespace(trustDomain: trustDomain, householdID: household.id), zone: zone,
                    actor: actor, reason: "new zone CA", now: now))
            }
        }
        return created
    }

    /// The host names a new zone CA may certify: those of the hub's zone CAs so far (they are the
    /// hub's, not a household's; a hub from before these constraints keeps making unconstrained
    /// ones, as its host names were never recorded), or, for a new hub, its configured ones.
    package static func hostNames(existing: [AuthorityRecord], else hostnames: [String]) throws -> HostNameConstraints {
        guard let sibling = existing.first(where: { $0.role == .intermediate }) else {
            return .forHub(hostnames: hostnames)
        }
        return HostNameConstraints(of: try Certificate(derEncoded: sibling.certificateDER))
    }

    package static func createRoot(
        in db: StoreSession, sealer: KeySealer, trustDomain: String, actor: AuditActor, now: Date
    ) async throws -> AuthorityRecord {
        let (certificate, key) = try AuthorityFactory.makeRoot(
            commonName: "Hearth root \(trustDomain)", key: try sealer.makeKey(.p384, label: "hearth root CA \(trustDomain)"),
            now: now, lifetime: rootLifetime)
        return try await store(
            certificate: certificate, key: key, role: .root, household: nil, zone: nil,
            in: db, sealer: sealer, actor: actor, reason: "hub root CA", now: now)
    }

    @discardableResult
    package static func createIntermediate(
        in db: StoreSession, sealer: KeySealer, root: AuthorityRecord, rootKey: HubPrivateKey,
        hostNames: HostNameConstraints, namespace: IdentityNamespace, zone: Zone, actor: AuditActor, reason: String,
        now: Date
    ) async throws -> AuthorityRecord {
        let (certificate, key) = try AuthorityFactory.makeIntermediate(
            commonName: "Hearth \(zone) CA \(namespace.householdID)", permittedURIHosts: [namespace.host],
            hostNames: hostNames,
            root: try Certificate(derEncoded: root.certificateDER), rootKey: rootKey,
            key: try sealer.makeKey(.p256, label: "hearth \(zone) CA \(namespace.householdID)"), now: now,
            lifetime: intermediateLifetime)
        return try await store(
            certificate: certificate, key: key, role: .intermediate,
            household: namespace.householdID, zone: zone, in: db, sealer: sealer, actor: actor, reason: reason, now: now)
    }

    private static func store(
        certificate: Certificate, key: HubPrivateKey, role: AuthorityRecord.Role, household: HouseholdID?, zone: Zone?,
        in db: StoreSession, sealer: KeySealer, actor: AuditActor, reason: String, now: Date
    ) async throws -> AuthorityRecord {
        let id = try LoadedAuthority.id(of: certificate)
        let entry = try await db.audit.append(AuditEvent(
            .authorityCreated, actor: actor, subject: "ca:\(id)", household: household, reason: reason,
            details: [
                "role": role.rawValue, "zone": zone?.name ?? "", "serial": SerialNumberText.hex(certificate.serialNumber),
                "not_after": RFC3339.format(certificate.notValidAfter),
            ]))
        let record = AuthorityRecord(
            id: id, role: role, householdID: household?.rawValue, zone: zone?.name, state: .active,
            certificateDER: try certificate.derBytes, sealedKey: try sealer.store(key, name: LoadedAuthority.sealedName(id)),
            keyFingerprint: KeyFingerprint.of(certificate.publicKey), notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter, createdAt: now, auditSeq: entry.index)
        try await db.pki.insert(record)
        return record
    }
}
