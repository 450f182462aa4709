import Foundation
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import Logging
import PostgresNIO

/// A real hub for a test: its own database (SQLite or PostgreSQL), its own folder, HTTPS on a
/// free port of 127.0.0.1, the first household and owner made as `hearth init` makes them.
public struct TestHub: Sendable {
    public let port: Int
    /// The MQTT broker's port (MQTT over TLS on 127.0.0.1).
    public let mqttPort: Int
    public let store: Store
    public let clock: TestClock
    public let logs: LogCapture
    public let ownerEmail: String
    public let ownerPassword: String
    public let householdID: HouseholdID
    /// The hub's root CA certificate, what clients trust (`curl --cacert`).
    public let certificatePath: String
    public let database: TestDatabase
    public let pki: HubPKI
    /// The TLS certificate chain the hub serves (leaf first), PEM.
    public let servedCertificatePEM: String
    /// What another node needs to join this hub (``withTestHubNode(joining:_:)``).
    public let sealer: KeySealer
    public let configuration: HubConfiguration
    /// The hub's load gates: a test holds one to see what a shed request gets.
    public let shedding: LoadShedding
    /// The hub's application services, as the adapters call them.
    package let services: HubServices
    let publicURL: String

    public var client: CurlClient {
        CurlClient(baseURL: "https://127.0.0.1:\(port)", caCertificatePath: certificatePath)
    }

    /// Password hashing cost for test hubs: real scrypt, cheap enough for many sign-ins per test.
    public static let fastHashing = PasswordHashParameters(logN: 10, r: 8, p: 1)
}

/// Runs `body` against a hub that is stopped (and its database dropped) when `body` returns.
/// `startingAt` sets the hub's clock: a test that advances it towards the real time can renew
/// certificates that TLS clients, which use the real time, still accept. With `keyToken`, the hub's
/// signing keys are made in that PKCS#11 token, as after `hearth init --pkcs11`.
public func withTestHub<Result: Sendable>(
    engine: TestEngine = .sqlite,
    startingAt start: Date = Date(),
    ticking: Bool = false,
    keyToken: (any KeyToken)? = nil,
    configure: (inout HubConfiguration) -> Void = { _ in },
    _ body: (TestHub) async throws -> Result
) async throws -> Result {
    do {
        return try await runTestHub(
            engine: engine, startingAt: start, ticking: ticking, keyToken: keyToken, configure: configure, body)
    } catch let error as PSQLError {
        // Its description hides the server's message; a test's failure should show it (test data only).
        throw CurlClient.CurlError(message: "PostgreSQL: \(String(reflecting: error))")
    }
}

private func runTestHub<Result: Sendable>(
    engine: TestEngine, startingAt start: Date, ticking: Bool, keyToken: (any KeyToken)?,
    configure: (inout HubConfiguration) -> Void,
    _ body: (TestHub) async throws -> Result
) async throws -> Result {
    var configuration = HubConfiguration(host: "127.0.0.1", port: 0, passwordHashing: TestHub.fastHashing)
    // A client's handshake and headers may take longer than the 10 s a hub allows while the
    // suite's first minute starts a hundred hubs on two cores; the tests of those deadlines
    // (SlowClientTests) set their own.
    configuration.connectionLimits.headerTimeout = .seconds(60)
    // Not in a test's way: a background CRL republish between two database snapshots would read as
    // a change the test's refused requests made. A test of the batching sets its own.
    configuration.crlBatchInterval = .seconds(3600)
    configure(&configuration)
    let clock = TestClock(start, ticking: ticking)
    let publicURL = HubProvisioning.defaultPublicURL(hostnames: configuration.hostnames, port: configuration.port)
    let logs = LogCapture()
    let logger = logs.logger()
    let watch = TeardownWatch(logs: logs)
    defer { watch.finished() }
    return try await TestDatabase.with(engine) { database in
        // The database's folder stands in for the data folder, as `hearth serve` would use it.
        var configuration = configuration
        if configuration.auditCheckpointFile == nil {
            configuration.auditCheckpointFile = database.folder.appendingPathComponent(AuditCheckpointFile.fileName).path
        }
        if configuration.firmwareFolder == nil { configuration.firmwareFolder = database.folder.path }
        defer { watch.enter("dropping the test database") }
        return try await Store.withRunning(try await database.makeEngine(logger: logger), clock: clock, logger: logger) { store in
            defer { watch.enter("closing the store") }
            let kek = SecureRandom.bytes(32)
            let sealer = try KeySealer(kek: kek, token: keyToken)
            let initial = try await PasswordHasher.withHasher(parameters: TestHub.fastHashing, threads: 1) { hasher in
                try await HubBootstrap.initialize(
                    store: store, sealer: sealer, hasher: hasher, householdName: "Test home",
                    ownerEmail: "owner@example.org", hostnames: [], publicURL: publicURL)
            }
            let assembly = try await HubAssembly.open(
                configuration: configuration, store: store, sealer: sealer,
                publicURL: publicURL, logger: logger)
            let pki = assembly.pki
            let certificatePath = database.folder.appendingPathComponent("ca-root.pem").path
            try Data(pki.authorities.rootPEM.utf8).write(to: URL(fileURLWithPath: certificatePath))
            // Signed before the hub starts, so the checkpoint service's first run changes nothing
            // that a test snapshots.
            try await assembly.checkpointer.checkpoint()
            return try await serving(assembly, watch: watch) { port, mqttPort, services in
                // That first run comes once this node holds its lease: before the test begins.
                while try await !store.read({ db in try await db.leases.all() })
                    .contains(where: { $0.name == "audit checkpoint" && $0.holder == configuration.nodeName }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await assembly.checkpointer.checkpoint()
                return try await body(TestHub(
                    port: port, mqttPort: mqttPort, store: store, clock: clock, logs: logs, ownerEmail: initial.email.rawValue,
                    ownerPassword: initial.oneTimePassword, householdID: initial.householdID,
                    certificatePath: certificatePath, database: database, pki: pki,
                    servedCertificatePEM: assembly.certificate.certificatePEM,
                    sealer: sealer, configuration: configuration, shedding: assembly.shedding, services: services,
                    publicURL: publicURL))
            }
        }
    }
}

/// Runs `body` against another node of `hub`, as `hearth serve` joins an initialized database:
/// its own store (its own connections) on the same database — the same PostgreSQL database, or
/// the same SQLite file — the same key-encryption key, configuration and clock, HTTPS on a port of
/// its own. Stopped when `body` returns; the database stays `hub`'s.
public func withTestHubNode<Result: Sendable>(
    joining hub: TestHub, configure: (inout HubConfiguration) -> Void = { _ in }, _ body: (TestHub) async throws -> Result
) async throws -> Result {
    let logs = LogCapture()
    let logger = logs.logger()
    // Its own data folder, as every node has, for its copy of the audit checkpoint.
    let folder = try TemporaryFolder.make(prefix: "hearth-node")
    defer { try? FileManager.default.removeItem(at: folder) }
    var configuration = hub.configuration
    configuration.auditCheckpointFile = folder.appendingPathComponent(AuditCheckpointFile.fileName).path
    configuration.nodeName = HubConfiguration.defaultNodeName()
    configure(&configuration)
    return try await Store.withRunning(
        try await hub.database.makeEngine(logger: logger), clock: hub.clock, logger: logger
    ) { store in
        let assembly = try await HubAssembly.open(
            configuration: configuration, store: store, sealer: hub.sealer, publicURL: hub.publicURL, logger: logger)
        return try await serving(assembly) { port, mqttPort, services in
            try await body(TestHub(
                port: port, mqttPort: mqttPort, store: store, clock: hub.clock, logs: logs, ownerEmail: hub.ownerEmail,
                ownerPassword: hub.ownerPassword, householdID: hub.householdID, certificatePath: hub.certificatePath,
                database: hub.database, pki: assembly.pki, servedCertificatePEM: assembly.certificate.certificatePEM,
                sealer: hub.sealer, configuration: configuration, shedding: assembly.shedding, services: services,
                publicURL: hub.publicURL))
        }
    }
}

/// Serves `assembly` over HTTPS (and MQTT, when configured) until `body`, given the ports it
/// listens on, returns.
private func serving<Result: Sendable>(
    _ assembly: HubAssembly, watch: TeardownWatch? = nil,
    _ body: (_ port: Int, _ mqttPort: Int, _ services: HubServices) async throws -> Result
) async throws -> Result {
    let hub = Hub(assembly)
    let (made, servicesContinuation) = AsyncStream<HubServices>.makeStream()
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let (mqttPorts, mqttPortContinuation) = AsyncStream<Int>.makeStream()
    let brokerRuns = assembly.configuration.mqtt != nil
    return try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            defer {
                portContinuation.finish()
                mqttPortContinuation.finish()
                servicesContinuation.finish()
            }
            try await hub.run(
                shutdownSignals: [], onListening: { port in portContinuation.yield(port) },
                onBrokerListening: { port in mqttPortContinuation.yield(port) },
                onServices: { services in servicesContinuation.yield(services) })
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        var mqttIterator = mqttPorts.makeAsyncIterator()
        var servicesIterator = made.makeAsyncIterator()
        guard let port = await iterator.next(), let mqttPort = brokerRuns ? await mqttIterator.next() : 0,
              let services = await servicesIterator.next()
        else {
            throw CurlClient.CurlError(message: "the test hub stopped before listening")
        }
        defer { group.cancelAll() }
        let result = try await body(port, mqttPort, services)
        watch?.enter("stopping the hub's services")
        group.cancelAll()
        while let _ = try await group.next() {}
        return result
    }
}
