import HearthBroker
import HearthStore
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The MQTT broker as the hub runs it: the listener, on the hub's TLS certificate and client
/// verification; the access watch that cuts off live sessions; and housekeeping.
enum HubBroker {
    static func services(
        configuration: BrokerConfiguration, store: Store, pki: HubPKI, serving: ServingCertificate, tokens: AccessTokenVerifier,
        logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> (broker: Broker, services: [any Service]) {
        let gatekeeper = HubGatekeeper(store: store, pki: pki, devices: DeviceAuthenticator(store: store), tokens: tokens)
        let broker = Broker(
            configuration: configuration, gatekeeper: gatekeeper, storage: HubBrokerStorage(store: store), logger: logger)
        var tls = serving.serverTLSConfiguration()
        // Devices present a certificate; apps come with a token instead. One that is presented
        // must be the hub's own, or the handshake fails.
        tls.certificateVerification = .optionalVerification
        let verifier = ClientCertificateVerifier(pki: pki)
        let listener = BrokerService(
            broker: broker, tls: try NIOSSLContext(configuration: tls), verifyClient: { await verifier.verify($0) },
            onListening: onListening)
        return (broker, [
            listener,
            PeriodicService(name: "MQTT housekeeping", interval: .seconds(10), logger: logger, finalRound: true) {
                broker.sweepExpiredSessions()
                await broker.flushDenials()
                let dropped = broker.takeDroppedCount()
                if dropped > 0 {
                    logger.warning("the MQTT broker dropped messages a client's queue could not hold", metadata: ["count": "\(dropped)"])
                }
            },
        ])
    }
}

/// Wakes the ``AccessWatch`` on a PostgreSQL notification (sent at the commit of every access
/// change, by any node), so a revocation reaches this node's sessions without waiting for the
/// next poll. On SQLite it only waits: the poll is all there is across processes.
struct AccessNotifications: Service {
    let store: Store
    let watch: AccessWatch
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let listened = try await cancelWhenGracefulShutdown {
                    try await store.engine.listen(AccessChangeRecords.channel) { [watch, logger] in
                        do { try await watch.check() } catch {
                            logger.warning("access watch failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
                if !listened {
                    try? await gracefulShutdown()
                    return
                }
            } catch {
                guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
                logger.warning("listening for access changes failed; retrying", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }
}

/// Watches the store's access-change revision (``AccessChangeRecords``), which moves with every
/// revocation, quarantine, decommission or token revocation made by any process, and then
/// reloads the live revocation set and re-checks the broker's live sessions.
final class AccessWatch: Sendable {
    let store: Store
    let pki: HubPKI
    let broker: Broker?
    private let seen = Mutex<Int64?>(nil)

    init(store: Store, pki: HubPKI, broker: Broker?) {
        self.store = store
        self.pki = pki
        self.broker = broker
    }

    func check() async throws {
        let revision = try await store.read { db in try await db.accessChanges.revision() }
        let previous = seen.withLock { seen in
            defer { seen = revision }
            return seen
        }
        guard previous != revision else { return }
        _ = try await pki.refresh()
        await broker?.revalidate()
    }
}
