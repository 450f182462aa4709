import HearthAudit
import HearthCore
import HearthPKI
import HearthStore

extension HubPKI {
    /// Gives a household's zone a new intermediate (new key) and retires the old one. The retired
    /// CA issues nothing more, but stays trusted, keeps its CRL and answers OCSP until what it
    /// issued has expired — the overlap in which certificates of both validate. Needs the root key.
    @discardableResult
    public func rotateIntermediate(household: HouseholdID, zone: Zone, actor: AuditActor) async throws -> AuthorityRecord {
        try await refresh()
        let authorities = self.authorities
        let sealer = self.sealer
        let trustDomain = self.trustDomain
        let created = try await store.write { db -> AuthorityRecord in
            let now = db.clock.now
            guard try await db.households.zones(of: household).contains(zone) else {
                throw HearthError(.notFound, "the household has no zone \(zone)")
            }
            let previous = authorities.active(household: household, zone: zone)
            let record = try await AuthorityProvisioning.createIntermediate(
                in: db, sealer: sealer, root: authorities.root.record,
                rootKey: try RootKey.unseal(authorities.root.record, sealer: sealer),
                hostNames: try previous.map { HostNameConstraints(of: $0.certificate) }
                    ?? AuthorityProvisioning.hostNames(existing: authorities.intermediates.map(\.record), else: []),
                namespace: IdentityNamespace(trustDomain: trustDomain, householdID: household), zone: zone, actor: actor,
                reason: previous.map { "rotation of \($0.id)" } ?? "new zone CA", now: now)
            if let previous {
                try await db.pki.retire(previous.id, at: now)
                try await db.audit.append(AuditEvent(
                    .authorityRetired, actor: actor, subject: "ca:\(previous.id)", household: household,
                    reason: "rotated; replaced by \(record.id)", details: ["zone": zone.name]))
            }
            try await CRLPublishing.publish(
                try LoadedAuthority(record: record, sealer: sealer, publicURL: authorities.publicURL), in: db,
                sealer: sealer, publicURL: authorities.publicURL, actor: actor, now: now)
            try await db.pki.bumpRevision()
            return record
        }
        try await refresh()
        return created
    }
}
