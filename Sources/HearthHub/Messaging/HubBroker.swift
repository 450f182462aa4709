import HearthBroker
import HearthCore
import HearthDetection
import HearthStore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The MQTT broker as the hub runs it: the listener, on the hub's TLS certificate and client
/// verification; the access watch that cuts off live sessions; and housekeeping.
package enum HubBroker {
    /// The broker's shared state, made with the hub's services so that they can ask it who is
    /// connected; it serves once ``services(broker:…)`` run.
    package static func broker(
        configuration: BrokerConfiguration, store: Store, pki: HubPKI, tokens: AccessTokenVerifier, telemetry: TelemetryRules,
        signals: SignalInbox?, blocklist: SourceBlocklist, commands: CommandLedger?, scopeUse: ScopeUseLedger? = nil,
        connections: ConnectionTally? = nil, placement: HouseholdLeases? = nil, relay: BrokerRelay? = nil, logger: Logger
    ) -> Broker {
        var gatekeeper = HubGatekeeper(store: store, pki: pki, devices: DeviceAuthenticator(pki: pki), tokens: tokens, signals: signals)
        gatekeeper.connections = connections
        var storage = HubBrokerStorage(store: store)
        if let placement { storage.lease = { await placement.current($0) } }
        return Broker(
            configuration: configuration, gatekeeper: gatekeeper, storage: storage, logger: logger,
            clock: store.clock, telemetryGate: telemetry, signals: signals, blocklist: blocklist, commands: commands, scopeUse: scopeUse,
            placement: placement, relay: relay)
    }

    /// The relay between nodes: TLS to the serving node's hub certificate (the hub's root is the
    /// one trusted; the nodes' names are not checked, being reached by address), a preamble MAC'd
    /// with a key derived from the KEK every node shares.
    package static func relay(_ settings: MQTTRelaySettings, pki: HubPKI, serving: ServingCertificate) throws -> BrokerRelay {
        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv13
        client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.authorities.rootPEM.utf8)))
        client.certificateVerification = .noHostnameVerification
        let server = try NIOSSLContext(configuration: serving.serverTLSConfiguration())
        return BrokerRelay(
            host: settings.host, port: settings.port, keys: pki.sealer.derivedKeys(purpose: "mqtt relay"),
            clientTLS: try NIOSSLContext(configuration: client),
            serverHandlers: { [NIOSSLServerHandler(context: server)] })
    }

    package static func services(
        broker: Broker, pki: HubPKI, serving: ServingCertificate, signals: SignalInbox?, eventLoopGroup: any EventLoopGroup,
        relayListening: @escaping @Sendable (Int) async throws -> Void, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void
    ) throws -> [any Service] {
        // The same TLS stage as the HTTPS listener: a presented certificate must be the hub's
        // own, at the handshake or, for a resumed session, before CONNECT is read.
        let tls = try ClientCertificateTLS(serving: serving, pki: pki, signals: signals, logger: logger)
        // A crowd waits its turn rather than being turned away: every connection counts against
        // the broker's own cap, so the line needs none of its own.
        let pending = PendingConnections(
            limit: broker.configuration.maximumPendingConnections, grace: .seconds(2),
            waitingLimit: broker.configuration.maximumConnections)
        let listener = BrokerService(
            broker: broker, tlsHandlers: { tls.gatedHandlers(pending, pendingUntilHandshake: true) },
            eventLoopGroup: eventLoopGroup, onListening: onListening, onRelayListening: relayListening)
        // The outbox first: the group stops services in reverse order, so it writes what the
        // listener's last connections leave.
        return [
            broker.outbox,
            listener,
            PeriodicService(name: "MQTT housekeeping", interval: .seconds(10), logger: logger, finalRound: true) {
                broker.sweepExpiredSessions()
                await broker.flushDenials()
                let dropped = broker.takeDroppedCount()
                if dropped > 0 {
                    logger.warning("the MQTT broker dropped messages a client's queue could not hold", metadata: ["count": "\(dropped)"])
                }
            },
        ]
    }
}
