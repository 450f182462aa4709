import HearthBroker
import HearthCore
import HearthDetection
import HearthHub
import HearthStore
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import UnixSignals

/// One running hub: the HTTPS listener over the application services of a ``HubAssembly``, and
/// the assembly's background services, in one `ServiceGroup`.
public struct Hub: Sendable {
    public let assembly: HubAssembly

    public init(_ assembly: HubAssembly) {
        self.assembly = assembly
    }

    /// Serves until a signal in `shutdownSignals` (graceful: in-flight requests finish) or until
    /// the task is cancelled. `onListening` receives the bound port.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onBrokerListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onServices: @Sendable (HubServices) async -> Void = { _ in }
    ) async throws {
        try await assembly.withServices { hub in
            await onServices(hub)
            let configuration = assembly.configuration
            let logger = assembly.logger
            let registry = PrometheusCollectorRegistry()
            let router = Router(context: HearthRequestContext.self)
            let endpoints = Self.endpoints(hub, registry: registry)
            var table = RouteTable()
            for endpoint in endpoints { table.add(endpoint.method, endpoint.path) }
            router.add(middleware: AccessMiddleware(metrics: HTTPMetrics(registry: registry)))
            router.add(middleware: HostCheckMiddleware(
                names: HostNames(hostnames: configuration.hostnames, urls: [hub.pki.authorities.publicURL, configuration.oauthIssuer].compactMap { $0 }),
                signals: hub.signals, clock: hub.store.clock))
            router.add(middleware: ProblemMiddleware(routes: table))
            for endpoint in endpoints {
                router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            }
            let issuer = hub.issuer
            let publicURL = hub.pki.authorities.publicURL
            let app = Application(
                router: router,
                server: HTTPSChannel.server(
                    tls: try ClientCertificateTLS(serving: hub.serving, pki: hub.pki, signals: hub.signals, logger: logger),
                    limits: configuration.connectionLimits,
                    blocked: { [blocklist = hub.blocklist, clock = hub.store.clock] address in blocklist.isBlocked(address, at: clock.now) }),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hearth"),
                services: try hub.backgroundServices(onBrokerListening: onBrokerListening, webhookPoster: HTTPWebhookPoster(),
                    witnessTransport: HTTPWitnessTransport()),
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? 0
                    if configuration.oauthIssuer == nil, configuration.port == 0 {
                        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                        issuer.set("https://\(host):\(port)")
                    } else if configuration.port != 0,
                        let mismatch = HubProvisioning.publicURLMismatch(publicURL: publicURL, listeningPort: port)
                    {
                        logger.warning("\(mismatch)")
                    }
                    logger.info("hearth is serving", metadata: ["https": "\(configuration.host):\(port)"])
                    await onListening(port)
                },
                logger: logger)
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: shutdownSignals, logger: logger))
            try await group.run()
        }
    }

    /// Every route of the HTTP API, each an adapter over the hub's services.
    private static func endpoints(_ hub: HubServices, registry: PrometheusCollectorRegistry) -> [Endpoint] {
        let configuration = hub.configuration
        let store = hub.store
        let bodyLimit = configuration.maxBodyBytes
        let privacyMetrics = PrivacyMetrics(
            privacy: hub.privacy, personalRetention: hub.configuration.personalAuditRetention, registry: registry)
        let detectionMetrics = DetectionMetrics(
            counters: hub.detectionCounters, blocklist: hub.blocklist, clock: store.clock, registry: registry)
        // One array per controller, joined: a chain of `+` this long is beyond the type checker.
        let groups: [[Endpoint]] = [
            HealthRoutes(
                store: store, registry: registry, privacy: privacyMetrics, detection: detectionMetrics,
                firmware: FirmwareMetrics(posture: hub.posture, registry: registry)
            ).endpoints,
            SessionRoutes(
                store: store, sessions: hub.personSessions, recovery: hub.recovery, bodyLimit: bodyLimit,
                authenticator: hub.sessions
            ).endpoints,
            PeopleRoutes(people: hub.people, invitations: hub.invitations, bodyLimit: bodyLimit, sessions: hub.sessions).endpoints,
            HouseholdRoutes(households: hub.households, bodyLimit: bodyLimit, sessions: hub.sessions).endpoints,
            AuditRoutes(store: store, checkpointer: hub.checkpointer, authenticator: hub.sessions).endpoints,
            WitnessRoutes(witness: hub.witness).endpoints,
            PKIRoutes(pki: hub.pki, bodyLimit: bodyLimit, authenticator: hub.sessions).endpoints,
            DeviceRoutes(
                lifecycle: hub.lifecycle, bodyLimit: bodyLimit, sessions: hub.sessions, signals: hub.signals, rollouts: hub.rollouts,
                posture: hub.posture).endpoints,
            PairingRoutes(pairing: hub.pairing, posture: hub.posture, bodyLimit: bodyLimit, sessions: hub.sessions).endpoints,
            OAuthRoutes(server: hub.oauth).endpoints,
            OAuthManagementRoutes(
                registry: hub.clients, secondFactor: hub.secondFactor, lifecycle: hub.lifecycle, sessions: hub.sessions,
                bodyLimit: bodyLimit
            ).endpoints,
            IntegrationRoutes(integrations: hub.integrations, sessions: hub.sessions, bodyLimit: bodyLimit).endpoints,
            PrivacyRoutes(
                privacy: hub.privacy, lifecycle: hub.lifecycle, people: hub.people, bodyLimit: bodyLimit, sessions: hub.sessions
            ).endpoints,
            AlertRoutes(
                alerts: hub.alerts, webhooks: hub.webhooks, held: hub.heldCommands,
                checkup: Checkup(
                    pki: hub.pki, privacy: hub.privacy, lifecycle: hub.lifecycle,
                    connected: { [broker = hub.broker] household in broker?.connectedSubjects(in: household) ?? [] },
                    scopeUse: hub.grantScopeUse),
                sessions: hub.sessions, bodyLimit: bodyLimit
            ).endpoints,
            FirmwareRoutes(
                firmware: hub.firmware, posture: hub.posture, rollouts: hub.rollouts, sessions: hub.sessions, bodyLimit: bodyLimit
            ).endpoints,
            ConsoleRoutes(hub: hub, bodyLimit: bodyLimit).endpoints,
            OpenAPIRoutes().endpoints,
        ]
        return groups.flatMap { $0 }
    }
}
