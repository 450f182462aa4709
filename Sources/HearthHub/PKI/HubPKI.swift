import Foundation
import HearthAudit
import HearthCore
import HearthPKI
import HearthStore
import SwiftASN1
import X509

/// The hub's certificate authority at run time, shared by the API, the CLI and the TLS
/// listeners: issue, revoke, publish CRLs, answer OCSP, and keep this process's view of
/// revocations current (``refresh()``), whichever process made them.
public struct HubPKI: Sendable {
    public let store: Store
    package let sealer: KeySealer
    public let trustDomain: String
    package let state: LiveTrust
    package let issuance: GroupCommit<RecordedIssuance.Prepared, IssuedCertificate>
    /// How long device certificates from pairing and renewal live (``HubConfiguration/deviceCertificateLifetime``).
    public var deviceCertificateLifetime: Duration?
    /// Renewals past a number at once are shed (``LoadShedding``; the hub's assembly sets it).
    public var renewals = LoadShedding(limit: 64).renewals

    /// The lifetime of a certificate of `profile` issued to a device; nil is the profile's default.
    package func deviceLifetime(_ profile: CertificateProfile) -> Duration? {
        profile == .device ? deviceCertificateLifetime : nil
    }

    /// Loads the CAs; the hierarchy must exist (``prepare(store:sealer:hostnames:publicURL:)``).
    public static func open(store: Store, sealer: KeySealer) async throws -> HubPKI {
        let (trustDomain, snapshot) = try await store.read { db in
            guard let identity = try await db.hub.identity() else {
                throw HearthError(.notInitialized, "the database holds no hub; run `hearth init` first")
            }
            return (identity.trustDomain, try await Self.snapshot(db, sealer: sealer, previous: nil))
        }
        return HubPKI(
            store: store, sealer: sealer, trustDomain: trustDomain, state: LiveTrust(snapshot),
            issuance: GroupCommit(store: store) { batch, db in
                try await RecordedIssuance.commit(batch, in: db).map { $0.mapError { $0 } }
            })
    }

    /// How long a process adds only new revocations to its set before reading the whole set again,
    /// which leaves out the expired ones (they only cost memory: an expired certificate fails anyway).
    static let revokedSetRebuildInterval: TimeInterval = 3600

    private static func snapshot(_ db: StoreSession, sealer: KeySealer, previous: LiveTrust.Snapshot?) async throws -> LiveTrust.Snapshot {
        let now = db.clock.now
        let revision = try await db.pki.revision()
        let authorities = try await AuthoritySet.load(db, sealer: sealer, previous: previous?.authorities)
        // A fleet's renewals each revoke the certificate they replace, four reloads a second while
        // they go on; reading only what is new keeps each reload small.
        if let previous, now.timeIntervalSince(previous.revokedReadInFull) < revokedSetRebuildInterval {
            let newer = try await db.pki.revokedSerials(after: previous.revoked.through)
            return LiveTrust.Snapshot(
                revision: revision, authorities: authorities, revoked: previous.revoked.adding(newer),
                revokedReadInFull: previous.revokedReadInFull)
        }
        return LiveTrust.Snapshot(
            revision: revision, authorities: authorities, revoked: try await db.pki.revokedSerials(unexpiredAt: now),
            revokedReadInFull: now)
    }

    public var authorities: AuthoritySet { state.current.authorities }

    /// The PKI revision of the revocations loaded now.
    package var revision: Int64 { state.current.revision }

    /// True when the serial (lowercase hex) is revoked, as of the last refresh.
    public func isRevoked(serial: String) -> Bool { state.current.revoked.serials.contains(serial) }

    /// Reloads CAs and revocations when another process (or this one) changed them; cheap when
    /// nothing changed (one indexed read). Returns whether anything was reloaded.
    @discardableResult
    public func refresh() async throws -> Bool {
        let seen = state.current
        let sealer = self.sealer
        let next = try await store.read { db -> LiveTrust.Snapshot? in
            guard try await db.pki.revision() != seen.revision else { return nil }
            return try await Self.snapshot(db, sealer: sealer, previous: seen)
        }
        guard let next else { return false }
        state.replace(next)
        return true
    }

    /// Makes the zone CAs (and their CRLs) of households or zones created since the hierarchy
    /// was made; every process loads them at its next refresh.
    public func ensureHierarchy(actor: AuditActor) async throws {
        try await store.write { db in try await ensureHierarchy(actor: actor, in: db) }
        try await refresh()
    }

    /// ``ensureHierarchy(actor:)`` inside the caller's transaction (a household created with its
    /// CAs and first invitation at once); the caller refreshes after the commit.
    package func ensureHierarchy(actor: AuditActor, in db: StoreSession) async throws {
        let now = db.clock.now
        let publicURL = authorities.publicURL
        let created = try await AuthorityProvisioning.ensure(
            in: db, sealer: sealer, trustDomain: trustDomain, publicURL: publicURL, hostnames: [], actor: actor, now: now)
        guard !created.isEmpty else { return }
        // Only the new CAs lack a CRL: a household's creation stays a few statements per zone.
        for record in created {
            try await CRLPublishing.publish(
                LoadedAuthority(record: record, sealer: sealer, publicURL: publicURL), in: db, sealer: sealer,
                publicURL: publicURL, actor: actor, now: now)
        }
        try await db.pki.bumpRevision()
    }

    // MARK: issuing

    /// Issues one certificate: signed in the caller's task, recorded by the ``GroupCommit``
    /// together with whatever other issuances are waiting (group commit), returned only once
    /// its record and audit entry have committed.
    public func issue(_ order: CertificateOrder, actor: AuditActor) async throws -> IssuedCertificate {
        var device: Device?
        if case .device = order.subject {
            device = try await store.read { db in try await RecordedIssuance.device(for: order, in: db) }
        }
        let prepared = try RecordedIssuance.prepare(
            order, device: device, authorities: authorities, trustDomain: trustDomain, actor: actor, now: store.clock.now)
        return try await issuance.record(prepared)
    }

    /// A stored certificate as issued, with its chain (a retried request gets the same answer).
    package func issuedCertificate(_ record: CertificateRecord) throws -> IssuedCertificate {
        guard let issuer = authorities.authority(record.issuerID) else {
            throw HearthError(.storageUnavailable, "the CA of certificate \(record.serial) is not loaded")
        }
        return IssuedCertificate(
            record: record, certificate: try Certificate(derEncoded: record.certificateDER),
            chainPEM: authorities.chainPEM(leaf: record.certificateDER, issuer: issuer))
    }

    // MARK: revocation

    public enum RevocationTarget: Sendable, Hashable {
        case serial(String)
        case device(DeviceID)
        /// Every certificate of an intermediate, and the intermediate itself (a compromised CA).
        case issuer(String)
    }

    /// Revokes, republishes the affected CRLs and bumps the revision, in one transaction; returns
    /// the certificates revoked now. `household` limits an owner to their own household.
    @discardableResult
    public func revoke(
        _ target: RevocationTarget, reason: RevocationReason, household: HouseholdID?, actor: AuditActor
    ) async throws -> [CertificateRecord] {
        // Another process may have made a CA since the last poll; its certificates need it here.
        try await refresh()
        let authorities = self.authorities
        let sealer = self.sealer
        let trustDomain = self.trustDomain
        let revoked = try await store.write { db -> [CertificateRecord] in
            let now = db.clock.now
            var records: [CertificateRecord]
            var compromised: LoadedAuthority?
            switch target {
            case .serial(let serial):
                guard let record = try await db.pki.certificate(serial: serial),
                      household == nil || record.householdID == household?.rawValue
                else { throw HearthError(.notFound, "no certificate with serial \(serial)") }
                guard record.status == .valid else {
                    throw HearthError(.conflict, "certificate \(serial) is already revoked")
                }
                records = [record]
            case .device(let device):
                records = try await db.pki.certificates(CertificateQuery(
                    householdID: household?.rawValue, deviceID: device.rawValue, status: .valid, limit: Int(Int32.max)))
            case .issuer(let id):
                guard let authority = authorities.authority(id), authority.record.role == .intermediate,
                      household == nil || authority.record.householdID == household?.rawValue
                else { throw HearthError(.notFound, "no intermediate CA \(id)") }
                guard authority.record.state != .revoked else {
                    throw HearthError(.conflict, "CA \(id) is already revoked")
                }
                compromised = authority
                records = try await db.pki.certificates(
                    CertificateQuery(issuerID: id, status: .valid, limit: Int(Int32.max)))
            }
            let changed = try await Self.markRevoked(records, reason: reason, actor: actor, in: db, now: now)
            var republish = Set(changed.map(\.issuerID))
            if let compromised {
                try await Self.revokeAuthority(
                    compromised, in: db, sealer: sealer, trustDomain: trustDomain, authorities: authorities, actor: actor,
                    now: now)
                republish.insert(compromised.id)
                republish.insert(authorities.root.id)
            }
            try await Self.republish(
                republish, in: db, authorities: authorities, sealer: sealer, actor: actor, now: now,
                accessChange: compromised != nil)
            return changed
        }
        try await refresh()
        return revoked
    }

    /// Revokes certificates inside the caller's transaction, with one audit entry each and the
    /// affected CRLs republished; every process sees it at its next ``refresh()``.
    ///
    /// `crlsNow: false` is for routine rotations (a renewal's old certificate, superseded): their
    /// CRLs are republished by the next ``publishStaleCRLs(actor:)`` — within
    /// ``HubConfiguration/crlBatchInterval`` — instead of in this transaction. Signing a CRL of every revoked,
    /// unexpired certificate of a zone on each of ten thousand renewals made a renewal's cost grow
    /// with the fleet; OCSP and the handshakes' live revocation set still change at once.
    package func revokeInTransaction(
        _ records: [CertificateRecord], reason: RevocationReason, actor: AuditActor, in db: StoreSession,
        crlsNow: Bool = true
    ) async throws -> [CertificateRecord] {
        let now = db.clock.now
        let changed = try await Self.markRevoked(records, reason: reason, actor: actor, in: db, now: now)
        try await Self.republish(
            crlsNow ? Set(changed.map(\.issuerID)) : [], in: db, authorities: authorities, sealer: sealer, actor: actor, now: now,
            accessChange: false)
        return changed
    }

    /// Ends a deleted household's PKI inside the caller's transaction: every certificate it holds
    /// is revoked (cessation of operation) and its zone CAs with them, none replaced; the CRLs
    /// (the root's lists the CAs) are republished. Returns how many certificates were revoked.
    package func revokeHousehold(_ household: HouseholdID, actor: AuditActor, in db: StoreSession) async throws -> Int {
        let now = db.clock.now
        let records = try await db.pki.certificates(CertificateQuery(
            householdID: household.rawValue, status: .valid, limit: Int(Int32.max)))
        let changed = try await Self.markRevoked(records, reason: .cessationOfOperation, actor: actor, in: db, now: now)
        var republish = Set(changed.map(\.issuerID))
        for authority in authorities.intermediates
        where authority.record.householdID == household.rawValue && authority.record.state != .revoked {
            try await db.pki.markRevoked(authority.id, at: now)
            try await db.audit.append(AuditEvent(
                .authorityRevoked, actor: actor, subject: "ca:\(authority.id)", household: household,
                reason: RevocationReason.cessationOfOperation.name, details: ["zone": authority.record.zone ?? ""]))
            republish.insert(authority.id)
            republish.insert(authorities.root.id)
        }
        try await Self.republish(
            republish, in: db, authorities: authorities, sealer: sealer, actor: actor, now: now, accessChange: true)
        return changed.count
    }

    private static func markRevoked(
        _ records: [CertificateRecord], reason: RevocationReason, actor: AuditActor, in db: StoreSession, now: Date
    ) async throws -> [CertificateRecord] {
        let entries = try await db.audit.append(records.map { record in
            AuditEvent(
                .certificateRevoked, actor: actor, subject: "certificate:\(record.serial)",
                household: record.householdID.flatMap(HouseholdID.init), reason: reason.name,
                details: ["reason_code": "\(reason.rawValue)", "issuer": record.issuerID, "device": record.deviceID ?? ""])
        })
        var changed: [CertificateRecord] = []
        for (record, entry) in zip(records, entries) {
            guard try await db.pki.revoke(serial: record.serial, at: now, reason: reason.rawValue, auditSeq: entry.index)
            else { throw HearthError(.conflict, "certificate \(record.serial) was revoked concurrently; try again") }
            var revoked = record
            revoked.status = .revoked
            revoked.revokedAt = now
            revoked.revocationReason = reason.rawValue
            revoked.revokedAuditSeq = entry.index
            changed.append(revoked)
        }
        return changed
    }

    /// Publishes fresh CRLs of the issuers and bumps the revision that other processes poll
    /// (with `accessChange`, also the one that re-checks every live session; see
    /// ``PKIRecords/bumpRevision(accessChange:)``).
    private static func republish(
        _ issuers: Set<String>, in db: StoreSession, authorities: AuthoritySet, sealer: KeySealer, actor: AuditActor,
        now: Date, accessChange: Bool
    ) async throws {
        for id in issuers.sorted() {
            guard let authority = authorities.authority(id) else { continue }
            try await CRLPublishing.publish(
                authority, in: db, sealer: sealer, publicURL: authorities.publicURL, actor: actor, now: now)
        }
        try await db.pki.bumpRevision(accessChange: accessChange)
    }

    /// Marks a compromised intermediate revoked and, if it was issuing, puts a new one in its place.
    private static func revokeAuthority(
        _ authority: LoadedAuthority, in db: StoreSession, sealer: KeySealer, trustDomain: String,
        authorities: AuthoritySet, actor: AuditActor, now: Date
    ) async throws {
        try await db.pki.markRevoked(authority.id, at: now)
        let household = authority.record.householdID.flatMap(HouseholdID.init)
        try await db.audit.append(AuditEvent(
            .authorityRevoked, actor: actor, subject: "ca:\(authority.id)", household: household,
            reason: RevocationReason.caCompromise.name, details: ["zone": authority.record.zone ?? ""]))
        guard authority.record.state == .active, let household, let zoneName = authority.record.zone else { return }
        let replacement = try await AuthorityProvisioning.createIntermediate(
            in: db, sealer: sealer, root: authorities.root.record,
            rootKey: try RootKey.unseal(authorities.root.record, sealer: sealer),
            hostNames: HostNameConstraints(of: authority.certificate),
            namespace: IdentityNamespace(trustDomain: trustDomain, householdID: household), zone: try Zone(zoneName),
            actor: actor, reason: "replaces revoked CA \(authority.id)", now: now)
        try await CRLPublishing.publish(
            try LoadedAuthority(record: replacement, sealer: sealer, publicURL: authorities.publicURL), in: db,
            sealer: sealer, publicURL: authorities.publicURL, actor: actor, now: now)
    }

    // MARK: CRLs and OCSP

    /// The issuer's current CRL, as stored (republished on every change and every 12 hours).
    public func crl(issuer id: String) async throws -> StoredCRL? {
        try await store.read { db in try await db.pki.crl(issuer: id) }
    }

    /// Republishes every CRL older than ``CRLPublishing/refreshAge`` (or never published), or
    /// behind a revocation made since it was signed (a routine rotation's, batched).
    @discardableResult
    public func publishStaleCRLs(actor: AuditActor) async throws -> Int {
        let authorities = self.authorities
        let sealer = self.sealer
        let count = try await store.write { db -> Int in
            let now = db.clock.now
            var published = 0
            for authority in [authorities.root] + authorities.intermediates where authority.record.state != .revoked {
                if let stored = try await db.pki.crl(issuer: authority.id),
                   now.timeIntervalSince(stored.thisUpdate) < CRLPublishing.refreshAge,
                   try await !db.pki.hasRevocations(issuer: authority.id, after: stored.thisUpdate)
                { continue }
                try await CRLPublishing.publish(
                    authority, in: db, sealer: sealer, publicURL: authorities.publicURL, actor: actor, now: now)
                published += 1
            }
            return published
        }
        return count
    }

    /// An RFC 6960 response for a DER request: signed by the intermediate that issued the
    /// certificates asked about, cached until it expires or a revocation happens (requests with a
    /// nonce are answered fresh, since the nonce must be echoed).
    public func ocspResponse(for der: [UInt8]) async throws -> [UInt8] {
        guard let request = try? OCSPResponder.parse(der) else { return OCSPResponder.malformedRequest }
        let now = store.clock.now
        if !request.hasNonce, let cached = state.cachedOCSP(der, now: now) { return cached }
        let authorities = self.authorities
        guard let issuer = authorities.intermediates.first(where: { $0.ocsp?.answers(request) == true })
            ?? authorities.intermediates.first,
            let responder = issuer.ocsp
        else { return OCSPResponder.malformedRequest }
        let issuerID = issuer.id
        let serials = request.items.map { SerialNumberText.hex($0.serial) }
        let records = try await store.read { db in
            var found: [String: CertificateRecord] = [:]
            for serial in Set(serials) { found[serial] = try await db.pki.certificate(serial: serial) }
            return found
        }
        let revokedIssuer = issuer.record.state == .revoked
        let response = try responder.respond(to: request, now: now) { serial in
            guard let record = records[SerialNumberText.hex(serial)], record.issuerID == issuerID else { return .unknown }
            if record.status == .revoked {
                return .revoked(
                    at: record.revokedAt ?? now,
                    reason: record.revocationReason.flatMap(RevocationReason.init(rawValue:)) ?? .unspecified)
            }
            return revokedIssuer ? .revoked(at: now, reason: .caCompromise) : .good
        }
        if !request.hasNonce { state.cacheOCSP(der, response: response, until: now.addingTimeInterval(responder.validity / 2)) }
        return response
    }
}
