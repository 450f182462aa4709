import HearthBroker
import HearthStore
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Watches the store's access-change revision (``AccessChangeRecords``), which moves with every
/// revocation, quarantine, decommission or token revocation made by any process, and then
/// reloads the live revocation set and re-checks the broker's live sessions.
package final class AccessWatch: Sendable {
    package let store: Store
    package let pki: HubPKI
    package let broker: Broker?
    /// The declared flows and consents, which a privacy change by another process moves too.
    package let telemetry: TelemetryRules?
    private let seen = Mutex<Int64?>(nil)

    package init(store: Store, pki: HubPKI, broker: Broker?, telemetry: TelemetryRules? = nil) {
        self.store = store
        self.pki = pki
        self.broker = broker
        self.telemetry = telemetry
    }

    package func check() async throws {
        let revision = try await store.read { db in try await db.accessChanges.revision() }
        let previous = seen.withLock { seen in
            defer { seen = revision }
            return seen
        }
        guard previous != revision else { return }
        _ = try await pki.refresh()
        await broker?.revalidate()
        // After the cut-off, which must not wait for it: a privacy change is enforced here at
        // once by the service that made it; this brings in changes made by other processes.
        try await telemetry?.reload(store)
    }
}
