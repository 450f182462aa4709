import HearthAudit
import HearthBroker
import HearthCore
import HearthStore
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle
import UnixSignals

/// One running hub: the HTTPS listener and its background services, in one `ServiceGroup`, over
/// a store that the caller opened (and closes after the hub has stopped).
public struct Hub: Sendable {
    public let configuration: HubConfiguration
    public let store: Store
    public let certificate: HubCertificate
    public let pki: HubPKI
    public let auditSigner: CheckpointSigner
    public let logger: Logger

    public init(
        configuration: HubConfiguration, store: Store, certificate: HubCertificate, pki: HubPKI,
        auditSigner: CheckpointSigner, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.certificate = certificate
        self.pki = pki
        self.auditSigner = auditSigner
        self.logger = logger
    }

    /// Serves until a signal in `shutdownSignals` (graceful: in-flight requests finish) or until
    /// the task is cancelled. `onListening` receives the bound port.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onBrokerListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await PasswordHasher.withHasher(parameters: configuration.passwordHashing) { hasher in
            let decoyHash = try await hasher.decoyHash()
            let registry = PrometheusCollectorRegistry()
            let serving = try ServingCertificate(certificate)
            let pairing = PairingService(
                pki: pki, throttle: SignInThrottle(clock: store.clock, freeFailures: configuration.signInFreeFailures),
                isServedKey: { serving.isServedKey($0) })
            let checkpointer = AuditCheckpointer(store: store, signer: auditSigner)
            let secondFactor = SecondFactor(store: store, sealer: pki.sealer)
            let signIn = PasswordSignIn(
                store: store, hasher: hasher, decoyHash: decoyHash,
                throttle: SignInThrottle(clock: store.clock, freeFailures: configuration.signInFreeFailures),
                secondFactor: secondFactor)
            let issuer = OAuthIssuer(configuration.oauthIssuer ?? pki.authorities.publicURL)
            let keyring = OAuthKeyring(store: store, sealer: pki.sealer)
            let oauth = AuthorizationServer(
                store: store, keyring: keyring, issuer: issuer, signIn: signIn,
                throttle: SignInThrottle(clock: store.clock, freeFailures: configuration.signInFreeFailures),
                deviceRequests: RequestRateLimiter(clock: store.clock, burst: 10, perMinute: 10),
                bodyLimit: configuration.maxBodyBytes, lifetimes: .init(),
                tokenCommits: GroupCommit(store: store) { batch, db in try await TokenRecords.commit(batch, in: db) })
            let tokens = AccessTokenVerifier(
                server: oauth, refusals: SignInThrottle(clock: store.clock, freeFailures: configuration.signInFreeFailures))
            let sessions = SessionAuthenticator(store: store, tokens: tokens)
            let lifecycle = DeviceLifecycle(pki: pki)
            let router = Router(context: HearthRequestContext.self)
            let endpoints = HealthRoutes(store: store, registry: registry).endpoints
                + SessionRoutes(
                    store: store, hasher: hasher, signIn: signIn,
                    throttle: SignInThrottle(clock: store.clock, freeFailures: configuration.signInFreeFailures),
                    sessionLifetime: configuration.sessionLifetime, bodyLimit: configuration.maxBodyBytes,
                    authenticator: sessions
                ).endpoints
                + AuditRoutes(store: store, checkpointer: checkpointer, authenticator: sessions).endpoints
                + PKIRoutes(pki: pki, bodyLimit: configuration.maxBodyBytes, authenticator: sessions).endpoints
                + DeviceRoutes(lifecycle: lifecycle, bodyLimit: configuration.maxBodyBytes, sessions: sessions).endpoints
                + PairingRoutes(pairing: pairing, bodyLimit: configuration.maxBodyBytes, sessions: sessions).endpoints
                + OAuthRoutes(server: oauth).endpoints
                + OAuthManagementRoutes(
                    registry: ClientRegistry(store: store, trustDomain: pki.trustDomain), secondFactor: secondFactor,
                    lifecycle: lifecycle, sessions: sessions, bodyLimit: configuration.maxBodyBytes
                ).endpoints
            var table = RouteTable()
            for endpoint in endpoints { table.add(endpoint.method, endpoint.path) }
            router.add(middleware: AccessMiddleware(metrics: HTTPMetrics(registry: registry)))
            router.add(middleware: ProblemMiddleware(routes: table))
            for endpoint in endpoints {
                router.on(RouterPath(endpoint.path), method: endpoint.method, use: endpoint.handler)
            }

            let logger = self.logger
            var services: [any Service] = [
                PeriodicService(name: "session sweep", interval: configuration.sweepInterval, logger: logger) {
                    try await SessionSweeper.sweep(store, logger: logger)
                },
                PeriodicService(name: "pairing and OAuth sweep", interval: configuration.sweepInterval, logger: logger) {
                    try await store.write { db in
                        try await db.pairing.sweep(before: db.clock.now)
                        try await db.attestation.sweep(before: db.clock.now)
                        try await db.oauthGrants.sweep(before: db.clock.now)
                        try await db.oauthAuthorizations.sweep(before: db.clock.now)
                        try await db.oauthClients.sweepAssertions(before: db.clock.now)
                    }
                },
                // A signing-key rotation by another process (the CLI, another node) is picked up here.
                PeriodicService(name: "OAuth key watch", interval: .seconds(5), logger: logger) {
                    try await keyring.refresh()
                },
                // Signs the head while entries arrive, and once more at shutdown.
                PeriodicService(
                    name: "audit checkpoint", interval: configuration.auditCheckpointInterval, logger: logger,
                    finalRound: true
                ) { try await checkpointer.checkpoint() },
            ]
            var broker: Broker?
            if let mqtt = configuration.mqtt {
                let messaging = try HubBroker.services(
                    configuration: mqtt, store: store, pki: pki, serving: serving, tokens: tokens, logger: logger,
                    onListening: onBrokerListening)
                broker = messaging.broker
                services += messaging.services
            }
            // The live revocation set and the broker's live sessions: a revocation, quarantine or
            // token revocation by any process (API, CLI, another node on the same PostgreSQL)
            // reaches this process's handshakes and sessions within one interval.
            let watch = AccessWatch(store: store, pki: pki, broker: broker)
            services.append(PeriodicService(
                name: "access watch", interval: configuration.revocationPollInterval, logger: logger
            ) { try await watch.check() })
            services.append(AccessNotifications(store: store, watch: watch, logger: logger))
            services.append(PeriodicService(name: "CRL refresh", interval: .seconds(600), logger: logger) {
                try await pki.publishStaleCRLs(actor: .system("hub"))
            })
            let hostnames = configuration.hostnames
            services.append(PeriodicService(
                name: "hub certificate renewal", interval: configuration.hubCertificateCheckInterval, logger: logger
            ) {
                let current = try await PKISetup.currentHubCertificate(pki: pki, hostnames: hostnames)
                guard current.certificatePEM != serving.certificatePEM else { return }
                try serving.replace(with: current)
                logger.notice("serving a renewed hub certificate")
            })
            if let retention = configuration.auditRetention {
                services.append(PeriodicService(
                    name: "audit retention sweep", interval: configuration.sweepInterval, logger: logger
                ) {
                    let count = try await AuditRetention.redact(store: store, olderThan: retention, actor: .system("hub"))
                    if count > 0 { logger.info("redacted expired audit details", metadata: ["count": "\(count)"]) }
                })
            }
            let app = Application(
                router: router,
                server: try .tls(.http1(), configuration: tlsConfiguration(serving: serving)),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hearth"),
                services: services,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? 0
                    if configuration.oauthIssuer == nil, configuration.port == 0 {
                        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                        issuer.set("https://\(host):\(port)")
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

    /// TLS 1.3 with the hub's certificate; a client certificate is optional, and one that is
    /// presented must pass ``ClientCertificateVerifier`` or the handshake fails.
    private func tlsConfiguration(serving: ServingCertificate) -> TLSChannelConfiguration {
        var tls = serving.serverTLSConfiguration()
        tls.certificateVerification = .optionalVerification
        let verifier = ClientCertificateVerifier(pki: pki)
        return TLSChannelConfiguration(tlsConfiguration: tls) { presented in await verifier.verify(presented) }
    }
}
