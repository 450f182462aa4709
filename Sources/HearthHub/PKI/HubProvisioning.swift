import Foundation
import HearthAudit
import HearthCore
import HearthStore

/// Brings a hub's PKI to what this binary expects, in one transaction: the CA hierarchy (made at
/// init, or at the first start of a hub from before the PKI existed, or for a new household),
/// a CRL for every CA, and a current TLS certificate for the hub.
public enum HubProvisioning {
    public static func ensure(
        in db: StoreSession, sealer: KeySealer, hostnames: [String], publicURL: String, actor: AuditActor
    ) async throws -> HubCertificate {
        guard let identity = try await db.hub.identity() else {
            throw HearthError(.notInitialized, "the database holds no hub; run `hearth init` first")
        }
        let now = db.clock.now
        try await AuthorityProvisioning.ensure(
            in: db, sealer: sealer, trustDomain: identity.trustDomain, publicURL: publicURL, hostnames: hostnames,
            actor: actor, now: now)
        // The token-signing key is made with the other keys (init, or the first start of a hub
        // from before OAuth), never lazily by a request.
        try await OAuthKeyring.ensureKey(in: db, sealer: sealer, actor: actor)
        let authorities = try await AuthoritySet.load(db, sealer: sealer)
        for authority in [authorities.root] + authorities.intermediates
        where authority.record.state != .revoked {
            guard try await db.pki.crl(issuer: authority.id) == nil else { continue }
            try await CRLPublishing.publish(
                authority, in: db, sealer: sealer, publicURL: authorities.publicURL, actor: actor, now: now)
        }
        if let stored = try await db.hub.key(named: HubCertificate.keyName) {
            let current = try HubCertificate.unseal(stored.sealedKey, certificatePEM: stored.certificatePEM, with: sealer)
            if !current.needsRenewal(authorities: authorities, now: now) { return current }
        }
        guard let household = try await db.households.all().first else {
            throw HearthError(.notInitialized, "the hub has no household to issue its certificate from")
        }
        return try await HubCertificate.issue(
            in: db, authorities: authorities, trustDomain: identity.trustDomain, household: household.id,
            hostnames: hostnames, sealer: sealer, actor: actor, now: now)
    }

    /// The hub's certificate as stored now, renewed first if it needs it (the running hub checks
    /// this periodically; on PostgreSQL, a certificate another node renewed is picked up too).
    public static func currentHubCertificate(pki: HubPKI, hostnames: [String]) async throws -> HubCertificate {
        let sealer = pki.sealer
        // The usual answer is one read; the CA hierarchy is only looked at when a renewal is due.
        if let stored = try await pki.store.read({ db in try await db.hub.key(named: HubCertificate.keyName) }) {
            let current = try HubCertificate.unseal(stored.sealedKey, certificatePEM: stored.certificatePEM, with: sealer)
            if !current.needsRenewal(authorities: pki.authorities, now: pki.store.clock.now) { return current }
        }
        return try await pki.store.write { db in
            try await ensure(in: db, sealer: sealer, hostnames: hostnames, publicURL: pki.authorities.publicURL,
                             actor: .system("hub"))
        }
    }

    /// The default base of the URLs put in certificates and the OAuth metadata: the first
    /// configured host name (else localhost, which the hub's certificate always names) on the port
    /// the hub listens on. Port 0 (a free port, for tests) cannot be known before the listener
    /// binds, so it falls back to 8443; the running hub warns about the mismatch.
    public static func defaultPublicURL(hostnames: [String], port: Int) -> String {
        "https://\(hostnames.first ?? "localhost"):\(port == 0 ? 8443 : port)"
    }

    /// The warning a hub logs when its public URL names another port than it listens on: clients
    /// that follow discovery, OCSP or CRL URLs would knock on the wrong door.
    public static func publicURLMismatch(publicURL: String, listeningPort: Int) -> String? {
        guard let url = URL(string: publicURL) else { return "the public URL \(publicURL) is not a URL" }
        let named = url.port ?? 443
        guard named != listeningPort else { return nil }
        return "the public URL \(publicURL) (fixed when the hub was initialized) names port \(named), "
            + "but HTTPS listens on port \(listeningPort): clients following OAuth discovery and the OCSP "
            + "and CRL URLs in certificates will use port \(named). Listen there, or put a proxy or port "
            + "forward from it (a hub's public URL cannot be changed once its CA exists)"
    }
}
