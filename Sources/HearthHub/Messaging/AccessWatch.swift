import HearthBroker
import HearthStore
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Watches the store's access-change revision (``AccessChangeRecords``), which moves with every
/// CA revocation, quarantine, decommission or token revocation made by any process, and then
/// reloads the live revocation set and re-checks the broker's live sessions; the PKI's revision,
/// which moves with every certificate revocation too, and then reloads the revocations and cuts
/// off the sessions presenting a revoked certificate; and the privacy revision, which moves with
/// every privacy change, and then reloads the declared flows.
package final class AccessWatch: Sendable {
    package let store: Store
    package let pki: HubPKI
    package let broker: Broker?
    /// The declared flows and consents, reloaded when the privacy revision moves.
    package let telemetry: TelemetryRules?
    /// The access-change and PKI revisions the last completed check acted on.
    private let seen = Mutex<(access: Int64?, pki: Int64?)>((nil, nil))

    package init(store: Store, pki: HubPKI, broker: Broker?, telemetry: TelemetryRules? = nil) {
        self.store = store
        self.pki = pki
        self.broker = broker
        self.telemetry = telemetry
    }

    package func check() async throws {
        let revisions = try await store.read { db in try await db.accessChanges.revisions() }
        // The revocations may have been reloaded already, by the process that revoked: what was
        // acted on is compared with the revision loaded, not with whether this refresh loaded it.
        try await pki.refresh()
        let loaded = pki.revision
        if seen.withLock({ $0.access }) != revisions.access {
            await broker?.revalidate()
            // Only once it is done: a check that failed is made again at the next round.
            seen.withLock { $0 = (revisions.access, loaded) }
        } else if seen.withLock({ $0.pki }) != loaded {
            // Only certificates were revoked (a renewal's superseded one, an owner's revocation):
            // the sessions presenting them go, from the reloaded revocations, without the store.
            await broker?.cutOffRevokedCertificates()
            seen.withLock { $0.pki = loaded }
        }
        // A privacy change is enforced at once by the service that made it, in its own process;
        // this brings in changes made by other processes (the CLI, another node).
        if let telemetry, telemetry.isBehind(revisions.privacy) {
            try await telemetry.reload(store)
        }
    }
}
