import HearthAudit
import HearthBroker
import HearthCore
import HearthStore
import Logging
import NIOCore
import NIOPosix

/// The one place where a hub is put together from its configuration and its data: the PKI
/// brought up to date with the hub's certificate, the audit signer, and (``withServices(_:)``)
/// every application service and background service. `hearth serve`, the admin commands and
/// the test kit all start here, so no second copy of the wiring exists.
public struct HubAssembly: Sendable {
    public let configuration: HubConfiguration
    public let store: Store
    public let certificate: HubCertificate
    public let pki: HubPKI
    public let auditSigner: CheckpointSigner
    /// The copy of the newest checkpoint outside the database, if the configuration keeps one;
    /// one object per hub, so its writers are ordered.
    public let auditCheckpointFile: AuditCheckpointFile?
    /// Renewals and token requests past the configured number at once are shed.
    public let shedding: LoadShedding
    public let logger: Logger

    /// What `hearth serve` and a test hub do before listening: the CA hierarchy, CRLs and the
    /// hub's TLS certificate ensured in one transaction, then the CAs and the audit key loaded.
    public static func open(
        configuration: HubConfiguration, store: Store, sealer: KeySealer, publicURL: String, logger: Logger
    ) async throws -> HubAssembly {
        let certificate = try await store.write { db in
            try await HubProvisioning.ensure(
                in: db, sealer: sealer, hostnames: configuration.hostnames, publicURL: publicURL, actor: .system("hub"))
        }
        var pki = try await HubPKI.open(store: store, sealer: sealer)
        pki.deviceCertificateLifetime = configuration.deviceCertificateLifetime
        let shedding = LoadShedding(limit: configuration.inFlightLimit)
        pki.renewals = shedding.renewals
        let auditSigner = try await AuditKey.loadSigner(store: store, sealer: sealer)
        return HubAssembly(
            configuration: configuration, store: store, certificate: certificate, pki: pki, auditSigner: auditSigner,
            auditCheckpointFile: configuration.auditCheckpointFile.map(AuditCheckpointFile.init(path:)), shedding: shedding,
            logger: logger)
    }

    /// Signs audit checkpoints, and records the newest outside the database when configured to.
    public var checkpointer: AuditCheckpointer {
        AuditCheckpointer(store: store, signer: auditSigner, file: auditCheckpointFile)
    }

    /// The application services of a running hub, made for `body` and valid while it runs (the
    /// password hasher's threads and the broker's event loops live that long).
    public func withServices<Result: Sendable>(
        _ body: (HubServices) async throws -> Result
    ) async throws -> Result {
        try await PasswordHasher.withHasher(parameters: configuration.passwordHashing) { hasher in
            try await withBrokerEventLoops { loops in
                try await body(try await HubServices(assembly: self, hasher: hasher, brokerEventLoops: loops))
            }
        }
    }

    /// The broker's own threads (none without a broker), shut down after `body`.
    private func withBrokerEventLoops<Result: Sendable>(
        _ body: ((any EventLoopGroup)?) async throws -> Result
    ) async throws -> Result {
        guard let mqtt = configuration.mqtt else { return try await body(nil) }
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: mqtt.threads)
        do {
            let result = try await body(loops)
            try await loops.shutdownGracefully()
            return result
        } catch {
            try? await loops.shutdownGracefully()
            throw error
        }
    }
}
