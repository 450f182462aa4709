import HearthAudit
import HearthBroker
import HearthCore
import HearthDetection
import HearthFirmware
import HearthStore
import Logging
import NIOCore
import ServiceLifecycle

/// Every application service of a running hub, made once from its ``HubAssembly``, and the
/// background services that run beside the adapters in the one `ServiceGroup`.
public struct HubServices: Sendable {
    public let assembly: HubAssembly
    package let hasher: PasswordHasher
    package let serving: ServingCertificate
    package let pairing: PairingService
    package let checkpointer: AuditCheckpointer
    /// This hub as a witness of other hubs' audit logs, and the witnesses of its own.
    package let witness: AuditWitness
    package let witnessing: AuditWitnessing
    package let secondFactor: SecondFactor
    package let signIn: PasswordSignIn
    package let issuer: OAuthIssuer
    package let keyring: OAuthKeyring
    package let oauth: AuthorizationServer
    package let tokens: AccessTokenVerifier
    package let sessions: SessionAuthenticator
    package let lifecycle: DeviceLifecycle
    package let clients: ClientRegistry
    package let personSessions: PersonSessions
    package let people: PeopleService
    package let invitations: InvitationAcceptance
    package let recovery: AccountRecovery
    package let households: HouseholdAdministration
    /// The MQTT broker's event loops (when it is configured), which outlive its listener.
    package let brokerEventLoops: (any EventLoopGroup)?
    /// The MQTT broker, when it is configured.
    package let broker: Broker?
    package let dashboard: HouseholdDashboard
    package let privacy: PrivacyService
    /// What the broker enforces of the declared flows (``PrivacyService/rules``), when there is a broker.
    package let telemetry: TelemetryRules?
    /// Where every layer posts what detection watches (docs/detection.md); nil when detection is off.
    package let signals: SignalInbox?
    /// Sources refused at connection by both listeners (brute-force containment).
    package let blocklist = SourceBlocklist()
    /// The scopes access tokens were used for, noted by the API and the broker, written per minute.
    package let scopeUse = ScopeUseLedger()
    package let alerts: AlertService
    package let webhooks: AlertWebhooks
    package let detectionCounters = DetectionCounters()
    /// What is learned about commands to `security` devices; nil when detection is off.
    package let commandLedger: CommandLedger?
    package let heldCommands: HeldCommands
    package let firmware: FirmwareService
    package let posture: FirmwarePosture
    /// Re-checks live sessions when the access-change revision moves (polled, notified, or — for
    /// a change this process made — at once).
    package let accessWatch: AccessWatch
    package let rollouts: Rollouts
    /// The work only one node at a time does is held by a lease (docs/scale-out.md).
    package let leases: NodeLeases

    package var store: Store { assembly.store }
    package var pki: HubPKI { assembly.pki }
    package var configuration: HubConfiguration { assembly.configuration }

    init(assembly: HubAssembly, hasher: PasswordHasher, brokerEventLoops: (any EventLoopGroup)?) async throws {
        let configuration = assembly.configuration
        let store = assembly.store
        let pki = assembly.pki
        self.assembly = assembly
        self.hasher = hasher
        self.brokerEventLoops = brokerEventLoops
        // One throttle per purpose: sign-ins, OAuth failures and refused tokens back off apart,
        // each in the database, shared by every node (``FailureThrottle``).
        let signals = configuration.detection.map { _ in SignalInbox() }
        self.signals = signals
        let commandLedger = configuration.detection.map { CommandLedger(settings: $0.commands) }
        self.commandLedger = commandLedger
        let throttle = { (kind: AuthenticationKind, namespace: String?) in
            FailureThrottle(
                store: store, namespace: namespace ?? kind.rawValue, freeFailures: configuration.signInFreeFailures,
                signals: signals.map { FailureSignals($0, kind) })
        }
        let serving = try ServingCertificate(assembly.certificate)
        self.serving = serving
        pairing = PairingService(pki: pki, throttle: throttle(.pairingCode, nil), isServedKey: { serving.isServedKey($0) })
        checkpointer = assembly.checkpointer
        witness = AuditWitness(store: store, sealer: pki.sealer)
        witnessing = AuditWitnessing(store: store)
        secondFactor = SecondFactor(store: store, sealer: pki.sealer)
        signIn = PasswordSignIn(
            store: store, hasher: hasher, decoyHash: try await hasher.decoyHash(),
            throttle: FailureThrottle(
                store: store, freeFailures: configuration.signInFreeFailures, signals: signals.map { FailureSignals($0, .signIn) }),
            secondFactor: secondFactor, deviceCookies: DeviceCookie(keys: pki.sealer.derivedKeys(purpose: "device cookie")))
        issuer = OAuthIssuer(configuration.oauthIssuer ?? pki.authorities.publicURL)
        keyring = OAuthKeyring(store: store, sealer: pki.sealer)
        oauth = AuthorizationServer(
            store: store, keyring: keyring, issuer: issuer, signIn: signIn, throttle: throttle(.token, nil),
            deviceRequests: RequestRateLimiter(store: store, namespace: "device-authorization", burst: 10, perMinute: 10),
            nonces: DPoPNonces(key: pki.sealer.derivedKeys(purpose: "dpop nonces")[0]),
            bodyLimit: configuration.maxBodyBytes, lifetimes: .init(),
            tokenCommits: GroupCommit(store: store) { batch, db in try await TokenRecords.commit(batch, in: db) }, signals: signals,
            tokenGate: assembly.shedding.tokens)
        // Refused tokens at `/v1` apart from the token endpoint's failures, which they must not trigger.
        tokens = AccessTokenVerifier(server: oauth, refusals: throttle(.token, "resource"))
        var authenticator = SessionAuthenticator(store: store, tokens: tokens)
        authenticator.scopeUse = scopeUse
        sessions = authenticator
        lifecycle = DeviceLifecycle(pki: pki)
        clients = ClientRegistry(store: store, trustDomain: pki.trustDomain)
        // Password changes and account recovery back off apart from sign-ins.
        let passwordThrottle = throttle(.signIn, nil)
        personSessions = PersonSessions(
            store: store, signIn: signIn, hasher: hasher, throttle: passwordThrottle, lifetime: configuration.sessionLifetime)
        people = PeopleService(store: store)
        invitations = InvitationAcceptance(store: store, hasher: hasher, signIn: signIn, wrongCodes: throttle(.invitationCode, nil))
        recovery = AccountRecovery(store: store, hasher: hasher, throttle: passwordThrottle)
        households = HouseholdAdministration(pki: pki)
        let leases = NodeLeases(
            store: store, node: configuration.nodeName, duration: configuration.leaseDuration.seconds, logger: assembly.logger)
        self.leases = leases
        let connections = ConnectionTally()
        // Telemetry flows are enforced, and bridged out, by the broker: without one, nothing is.
        var broker: Broker?
        var telemetry: TelemetryRules?
        var erasing: (@Sendable (HouseholdID, DeviceID?) async throws -> Int)?
        if let mqtt = configuration.mqtt, let brokerEventLoops {
            let rules = TelemetryRules(bridges: BridgeLinks(
                sealer: pki.sealer, group: brokerEventLoops, clock: store.clock, logger: assembly.logger))
            // With a relay listener, households are placed on nodes by lease.
            let placement = configuration.mqttRelay.map { _ in HouseholdLeases(leases: leases, store: store) }
            let made = HubBroker.broker(
                configuration: mqtt, store: store, pki: pki, tokens: tokens, telemetry: rules, signals: signals, blocklist: blocklist,
                commands: commandLedger, scopeUse: scopeUse, connections: connections,
                placement: placement, relay: try configuration.mqttRelay.map { try HubBroker.relay($0, pki: pki, serving: serving) },
                logger: assembly.logger)
            if placement != nil {
                await leases.onLoss { name in
                    if let household = HouseholdLeases.household(inLease: name) { made.release(household) }
                }
            }
            erasing = { household, device in try await made.eraseTelemetry(household: household, device: device) }
            // Loaded before any listener takes a connection: no device's telemetry meets empty rules.
            try await rules.reload(store)
            (broker, telemetry) = (made, rules)
        }
        self.broker = broker
        self.telemetry = telemetry
        if broker != nil, configuration.mqttRelay == nil, try await store.read({ db in try await db.hubNodes.count() }) > 0 {
            // A mixed cluster splits households between this node's broker and the others'.
            assembly.logger.warning(
                "other nodes of this hub relay MQTT between them, and this one has no relay port: it serves every household's MQTT by itself, apart from theirs; give every node --mqtt-relay-port (docs/scale-out.md)")
        }
        privacy = PrivacyService(store: store, rules: telemetry, sealer: pki.sealer, erasing: erasing)
        alerts = AlertService(store: store, riskHalfLife: (configuration.detection ?? DetectionSettings()).riskHalfLife)
        webhooks = AlertWebhooks(store: store, sealer: pki.sealer)
        heldCommands = HeldCommands(store: store, broker: broker, ledger: commandLedger, secondFactor: secondFactor, signals: signals)
        firmware = FirmwareService(
            store: store, sealer: pki.sealer, imageFolder: configuration.firmwareFolder, lifetimes: configuration.repositoryLifetimes)
        let accessWatch = AccessWatch(store: store, pki: pki, broker: broker, telemetry: telemetry)
        self.accessWatch = accessWatch
        // A posture change restricts this process's live sessions at once, not at the next poll.
        posture = FirmwarePosture(store: store, signals: signals, changed: { try? await accessWatch.check() })
        rollouts = Rollouts(store: store, broker: broker, connections: connections)
        // The repository exists before the first device asks for it.
        try await firmware.repository.initialize()
        let presence = broker
        dashboard = HouseholdDashboard(
            store: store, lifecycle: lifecycle, connected: { household in presence?.connectedSubjects(in: household) ?? [] })
    }

    /// The hub's background work: the group commits of certificates and tokens, sweeps, the audit
    /// checkpointer, key and certificate watches, the live revocation set and — when configured —
    /// the MQTT broker and its cut-off. The group stops services in reverse order: the group
    /// commits come first, so they stop last, after every adapter that records through them.
    /// `webhookPoster`: how alert webhooks are posted (HTTP is the server adapter's); nil posts none.
    /// `witnessTransport`: how checkpoints reach the audit witnesses; nil submits none.
    package func backgroundServices(
        onBrokerListening: @escaping @Sendable (Int) async -> Void, webhookPoster: (any WebhookPoster)? = nil,
        witnessTransport: (any WitnessTransport)? = nil
    ) throws -> [any Service] {
        let store = self.store
        let pki = self.pki
        let configuration = self.configuration
        let logger = assembly.logger
        let keyring = self.keyring
        let checkpointer = self.checkpointer
        let serving = self.serving
        let (signInThrottle, deviceRequests) = (signIn.throttle, oauth.deviceRequests)
        var services: [any Service] = [
            pki.issuance,
            oauth.tokenCommits,
            // Stops after every leased job, and gives their leases up.
            self.leases,
            // Re-signs the repository's timestamp (and what else nears its expiry) in time.
            leased("firmware repository refresh", .seconds(max(1, min(60, configuration.repositoryLifetimes.timestamp / 8)))) {
                [firmware] _ in
                let roles = try await firmware.repository.refresh()
                if !roles.isEmpty { logger.debug("firmware repository re-signed", metadata: ["roles": "\(roles)"]) }
            },
            // Rollouts: gates judged, cohorts advanced, offers sent, every second.
            leased("firmware rollouts", .seconds(1)) { [rollouts] _ in
                try await rollouts.tick()
            },
            leased("session sweep", configuration.sweepInterval) { _ in
                try await SessionSweeper.sweep(store, logger: logger)
            },
            // A guest's period ends on the policy's clock at once; this removes their place, and
            // with it their grants and tokens, within half a second.
            leased("guest access expiry", .milliseconds(500)) { [people] _ in
                try await people.endExpiredAccess()
            },
            leased("throttle sweep", configuration.sweepInterval) { _ in
                try await signInThrottle.sweep()
                try await deviceRequests.sweep()
            },
            leased("pairing and OAuth sweep", configuration.sweepInterval) { _ in
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
            leased("audit checkpoint", configuration.auditCheckpointInterval, finalRound: true) { lease in
                try await checkpointer.checkpoint(under: lease)
            },
        ]
        if let broker, let brokerEventLoops {
            services += try HubBroker.services(
                broker: broker, pki: pki, serving: serving, signals: signals, eventLoopGroup: brokerEventLoops,
                relayListening: relayListening(configuration.mqttRelay), logger: logger,
                onListening: onBrokerListening)
        }
        // The live revocation set and the broker's live sessions: a revocation, quarantine or
        // token revocation by any process (API, CLI, another node on the same PostgreSQL)
        // reaches this process's handshakes and sessions within one interval.
        let watch = accessWatch
        services.append(PeriodicService(
            name: "access watch", interval: configuration.revocationPollInterval, logger: logger
        ) { try await watch.check() })
        services.append(AccessNotifications(store: store, watch: watch, logger: logger))
        services.append(leased("superseded certificates", configuration.sweepInterval) { _ in
            try await pki.supersedeUnfinishedRotations()
        })
        services.append(leased("CRL refresh", configuration.crlBatchInterval) { _ in
            try await pki.publishStaleCRLs(actor: .system("hub"))
        })
        let hostnames = configuration.hostnames
        services.append(PeriodicService(
            name: "hub certificate renewal", interval: configuration.hubCertificateCheckInterval, logger: logger
        ) {
            let current = try await HubProvisioning.currentHubCertificate(pki: pki, hostnames: hostnames)
            guard current.certificatePEM != serving.certificatePEM else { return }
            try serving.replace(with: current)
            logger.notice("serving a renewed hub certificate")
        })
        services += privacyServices()
        if let broker, let telemetry {
            // A device paired, quarantined or moved, a consent withdrawn, a grant revoked: seen here.
            let discovery = DiscoveryPublisher(store: store, broker: broker, telemetry: telemetry)
            services.append(PeriodicService(name: "Home Assistant discovery", interval: .seconds(2), logger: logger) {
                try await discovery.refresh()
            })
        }
        if let signals, let settings = configuration.detection {
            services.append(DetectionService(
                inbox: signals, broker: broker, declaredRates: telemetry?.declaredRates, alerts: alerts,
                containment: Containment(
                    broker: broker, telemetry: telemetry, blocklist: blocklist, lifecycle: lifecycle, clients: clients, held: heldCommands,
                    clock: store.clock, logger: logger),
                counters: detectionCounters, settings: settings, clock: store.clock, logger: logger, lifecycle: lifecycle,
                commands: commandLedger, leases: leases))
        }
        if let settings = configuration.detection {
            services.append(leased("alert retention", configuration.sweepInterval) { [alerts] _ in
                let count = try await alerts.sweep(retention: settings.alertRetention)
                if count > 0 { logger.info("removed acknowledged alerts past their retention", metadata: ["count": "\(count)"]) }
            })
        }
        services.append(PeriodicService(name: "grant scope use", interval: .seconds(60), logger: logger) { [grantScopeUse] in
            try await grantScopeUse.flush()
        })
        if let webhookPoster {
            // Deliveries are written with their alerts by any process; this one posts them.
            services.append(leased("alert webhooks", .seconds(1)) { [webhooks] _ in
                try await webhooks.deliverDue(with: webhookPoster)
            })
        }
        if let witnessTransport {
            // Each new checkpoint goes to the witnesses; a refusal that proves the log was cut
            // back or rewritten is logged as an error (and kept: `hearth audit witnesses`).
            services.append(leased("audit witnessing", configuration.auditCheckpointInterval) { [witnessing] _ in
                for (name, outcome) in try await witnessing.submitNewest(via: witnessTransport) where !outcome.isCosigned {
                    let metadata: Logger.Metadata = ["witness": "\(name)", "outcome": "\(outcome)"]
                    if outcome.provesTampering {
                        logger.error("an audit witness refused the log", metadata: metadata)
                    } else {
                        logger.warning("an audit witness did not cosign", metadata: metadata)
                    }
                }
            })
        }
        if let retention = configuration.auditRetention {
            services.append(leased("audit retention sweep", configuration.sweepInterval) { _ in
                let count = try await AuditRetention.redact(store: store, olderThan: retention, actor: .system("hub"))
                if count > 0 { logger.info("redacted expired audit details", metadata: ["count": "\(count)"]) }
            })
        }
        return services
    }

    /// A job that would only be repeated, or done twice, on a second node: it runs where its lease
    /// — named after it — is held.
    private func leased(
        _ name: String, _ interval: Duration, finalRound: Bool = false, _ round: @escaping @Sendable (Lease) async throws -> Void
    ) -> PeriodicService {
        .leased(name: name, leases: leases, interval: interval, logger: assembly.logger, finalRound: finalRound, round: round)
    }

    /// Records where this node takes relayed MQTT clients once its relay listener is bound: the
    /// other nodes find it there by its name as a lease holder.
    private func relayListening(_ settings: MQTTRelaySettings?) -> @Sendable (Int) async throws -> Void {
        let (store, node) = (self.store, configuration.nodeName)
        return { port in
            guard let settings else { return }
            let address = settings.advertisedAddress ?? "\(settings.host):\(port)"
            try await store.write { db in try await db.hubNodes.advertise(node, relayAddress: address, at: db.clock.now) }
        }
    }

    /// Telemetry privacy's background work: the declared flows loaded before the broker takes
    /// connections; stored telemetry past its retention removed, aggregation windows closed and
    /// bridged counts written every interval; personal audit details redacted after their
    /// shorter retention; the bridge links closed at shutdown.
    private func privacyServices() -> [any Service] {
        let (store, privacy, telemetry, broker, logger) = (self.store, self.privacy, self.telemetry, self.broker, assembly.logger)
        var services: [any Service] = []
        if let telemetry, let broker {
            services.append(BridgeShutdown(bridges: telemetry.bridges))
            services.append(PeriodicService(
                name: "telemetry retention", interval: configuration.telemetryRetentionInterval, logger: logger, finalRound: true
            ) {
                telemetry.noteSweep(broker.sweepExpiredMessages())
                for window in telemetry.closeWindows(endingBy: store.clock.now) {
                    broker.publishAggregate(
                        topic: window.topic, payload: window.payload, flow: window.tag, retention: window.retention,
                        household: window.household, publisher: "hub:aggregate")
                }
                try await privacy.recordBridged()
            })
        }
        if let retention = configuration.personalAuditRetention {
            services.append(leased("personal audit retention", configuration.sweepInterval) { _ in
                let count = try await AuditRetention.redactPersonal(store: store, olderThan: retention, actor: .system("hub"))
                if count > 0 { logger.info("redacted audit details holding personal data", metadata: ["count": "\(count)"]) }
            })
        }
        return services
    }
}
