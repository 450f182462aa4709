import HearthCore
import HearthStore

/// The services an operator's commands use beside a running hub, or without one: the same
/// operations the HTTP API calls, over the same store, minus what only a listener has (the
/// served TLS key that pairing proofs name, password hashing threads).
public struct HubAdministration: Sendable {
    public let pki: HubPKI
    package let lifecycle: DeviceLifecycle
    package let pairing: PairingService
    package let clients: ClientRegistry
    package let people: PeopleService
    package let households: HouseholdAdministration
    package let privacy: PrivacyService
    package let alerts: AlertService
    /// Configuration only: the running hub posts the deliveries.
    package let webhooks: AlertWebhooks
    /// Approvals only: the running hub delivers what is approved here.
    package let heldCommands: HeldCommands
    package let firmware: FirmwareService
    package let posture: FirmwarePosture
    /// Starting and reading campaigns; the running hub carries them out.
    package let rollouts: Rollouts

    package var store: Store { pki.store }

    /// `signInFreeFailures`: refused pairing attempts allowed before back-off, as on a hub.
    /// `firmwareFolder`: where firmware images are files (SQLite; see ``HubConfiguration/firmwareFolder``).
    public static func open(
        store: Store, sealer: KeySealer, signInFreeFailures: Int = 5, firmwareFolder: String? = nil
    ) async throws -> HubAdministration {
        let pki = try await HubPKI.open(store: store, sealer: sealer)
        return HubAdministration(
            pki: pki, lifecycle: DeviceLifecycle(pki: pki),
            // No listener, so no served key for a device's proof to name: the CLI only does what
            // owners do (windows, approvals, expectations), never a device's part.
            pairing: PairingService(
                pki: pki, throttle: FailureThrottle(store: store, namespace: "pairing-code", freeFailures: signInFreeFailures),
                isServedKey: { _ in false }),
            clients: ClientRegistry(store: store, trustDomain: pki.trustDomain), people: PeopleService(store: store),
            households: HouseholdAdministration(pki: pki),
            privacy: PrivacyService(store: store, rules: nil, sealer: sealer), alerts: AlertService(store: store),
            webhooks: AlertWebhooks(store: store, sealer: sealer),
            heldCommands: HeldCommands(
                store: store, broker: nil, ledger: nil, secondFactor: SecondFactor(store: store, sealer: sealer), signals: nil),
            firmware: FirmwareService(store: store, sealer: sealer, imageFolder: firmwareFolder),
            posture: FirmwarePosture(store: store), rollouts: Rollouts(store: store, broker: nil, connections: nil))
    }
}
