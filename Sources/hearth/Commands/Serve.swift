import ArgumentParser
import Foundation
import HearthBroker
import HearthCommandLine
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub; on a missing or empty data folder, initialize it first.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var initOptions: InitOptions
    @OptionGroup var log: LogOptions

    @Option(name: .long, help: "host:port for MQTT over TLS, or 'off' (default: the HTTPS host, port 8883 — or a free port when --listen asks for port 0; env HEARTH_MQTT_LISTEN).")
    var mqttListen: String?

    @Option(name: .long, help: "Largest accepted request body in bytes (default 65536; env HEARTH_MAX_BODY_BYTES).")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "Seconds a new HTTPS connection has for its TLS handshake and first request's headers (default 10; env HEARTH_HEADER_TIMEOUT).")
    var headerTimeout: Int?

    @Option(name: .long, help: "Seconds an HTTPS request has for its body, from its headers (default 30; env HEARTH_BODY_TIMEOUT).")
    var bodyTimeout: Int?

    @Option(name: .long, help: "Seconds a kept-alive HTTPS connection may wait for its next request (default 60; env HEARTH_IDLE_TIMEOUT).")
    var idleTimeout: Int?

    @Option(name: .long, help: "HTTPS connections at most that have not yet sent a complete first request; more wait their turn unread (up to 8 times as many, then closed at once), and a pending one older than 2 s is closed when others wait (default 512; env HEARTH_MAX_PENDING_CONNECTIONS).")
    var maxPendingConnections: Int?

    @Option(name: .long, help: "Sign-in session lifetime in seconds (default 3600; env HEARTH_SESSION_TTL).")
    var sessionTTL: Int?

    @Option(name: .long, help: "Redact audit entry details after this many days; 0 keeps them (default 365; env HEARTH_AUDIT_RETENTION_DAYS).")
    var auditRetentionDays: Int?

    @Option(name: .long, help: "Redact audit details holding personal data (source addresses) after this many days; 0 keeps them as long as the rest (default 30; env HEARTH_PERSONAL_AUDIT_RETENTION_DAYS).")
    var personalAuditRetentionDays: Int?

    @Option(name: .long, help: "Seconds between audit checkpoints while entries arrive (default 2; env HEARTH_AUDIT_CHECKPOINT_SECONDS).")
    var auditCheckpointSeconds: Int?

    @Option(name: .long, help: "Seconds a device certificate from pairing or renewal lives, 60 to 2592000 (default 86400, the device profile's 24 h; env HEARTH_DEVICE_CERTIFICATE_LIFETIME). Short lifetimes play a day of renewals in minutes (docs/simulator.md).")
    var deviceCertificateLifetime: Int?

    @Option(name: .long, help: "Certificate renewals and token requests handled at once, each, 1 to 100000; past it the hub answers 503 with Retry-After instead of queueing (default 64; env HEARTH_MAX_IN_FLIGHT).")
    var maxInFlight: Int?

    @Option(name: .long, help: "QoS 1/2 messages the broker keeps for one MQTT client, waiting for it or for its offline persistent session, 10 to 1000000; further ones are dropped and counted (default 1000, as Mosquitto's max_queued_messages; env HEARTH_MAX_QUEUED_MESSAGES). An app subscribed to a whole fleet needs about its devices' messages over the longest outage it should ride out.")
    var maxQueuedMessages: Int?

    @Option(name: .long, help: "This node's name among several hub nodes on one PostgreSQL, shown as the holder of its leases (default: the host name and a random suffix, new at every start; env HEARTH_NODE_NAME; docs/scale-out.md).")
    var nodeName: String?

    @Option(name: .long, help: "With several hub nodes on one PostgreSQL: the port (on --host) where this node takes the MQTT clients other nodes relay to it; each household's MQTT is then served by one node at a time, the holder of its lease (0: a free port; env HEARTH_MQTT_RELAY_PORT; docs/scale-out.md). Without it this node serves every household's clients itself.")
    var mqttRelayPort: Int?

    @Option(name: .long, help: "How the other nodes reach this node's relay listener, host:port (default: --host and the relay port; env HEARTH_MQTT_RELAY_ADDRESS).")
    var mqttRelayAddress: String?

    @Option(name: .long, help: "'on' (default; thresholds from detection.json in the data folder) or 'off': no detectors, no automatic containment (docs/detection.md; env HEARTH_DETECTION).")
    var detection: String?

    func run() async throws {
        let logger = try log.makeLogger()
        let configuration = try hubConfiguration()
        let folder = store.dataFolder
        if folder.isMissingOrEmpty {
            try initOptions.validate()
            try folder.create()
        }
        // Held until this process ends: `hearth restore` refuses the folder meanwhile.
        let inUse = try DataFolderLock.shared(folder)
        defer { withExtendedLifetime(inUse) {} }
        let location = try store.location()
        try await store.withStore(logger: logger) { db in
            var initial: InitialOwner?
            if try await !HubBootstrap.isInitialized(db) {
                try initOptions.validate()
                initial = try await initOptions.initialize(store: db, sealer: try store.sealer(create: true), folder: folder)
                InitReport.show(initial!, folder: folder, location: location)
            }
            let assembly = try await HubAssembly.open(
                configuration: configuration, store: db, sealer: try store.sealer(create: false),
                publicURL: try initOptions.resolvedPublicURL, logger: logger)
            try folder.writeRootCertificate(assembly.pki.authorities.rootPEM)
            let hub = Hub(assembly)
            try await hub.run(
                onListening: { [initial] port in
                    Output.print(InitReport.signInHint(initial, folder: folder, host: configuration.host, port: port))
                },
                onBrokerListening: { port in
                    let host = configuration.mqtt?.host ?? configuration.host
                    Output.print("MQTT broker on mqtts://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                })
        }
        logger.info("hearth stopped; database closed")
    }

    func hubConfiguration() throws -> HubConfiguration {
        let address = try initOptions.listenAddress()
        var configuration = HubConfiguration(host: address.host, port: address.port)
        configuration.auditCheckpointFile = store.dataFolder.auditCheckpointPath
        configuration.firmwareFolder = store.dataFolder.path
        switch detection ?? Environment.value("HEARTH_DETECTION") ?? "on" {
        case "on": configuration.detection = try store.dataFolder.detectionSettings()
        case "off": configuration.detection = nil
        case let other: throw HearthError(.configuration, "--detection is 'on' or 'off', not '\(other)'")
        }
        configuration.hostnames = initOptions.allHostnames
        if let text = mqttListen ?? Environment.value("HEARTH_MQTT_LISTEN") {
            let mqtt = text == "off" ? nil : try HubConfiguration.parseListen(text, defaultPort: 8883)
            configuration.mqtt = mqtt.map { BrokerConfiguration(host: $0.host, port: $0.port) }
        }
        if let count = try maxQueuedMessages ?? Environment.integer("HEARTH_MAX_QUEUED_MESSAGES") {
            guard (10...1_000_000).contains(count) else { throw HearthError(.configuration, "--max-queued-messages must be 10 to 1000000") }
            configuration.mqtt?.maximumQueuedMessages = count
        }
        if let bytes = try maxBodyBytes ?? Environment.integer("HEARTH_MAX_BODY_BYTES") {
            guard bytes >= 1024 else { throw HearthError(.configuration, "the body limit must be at least 1024 bytes") }
            configuration.maxBodyBytes = bytes
        }
        try connectionLimits(&configuration.connectionLimits)
        if let seconds = try sessionTTL ?? Environment.integer("HEARTH_SESSION_TTL") {
            guard (60...86_400).contains(seconds) else {
                throw HearthError(.configuration, "the session lifetime must be 60 to 86400 seconds")
            }
            configuration.sessionLifetime = .seconds(seconds)
        }
        if let days = try auditRetentionDays ?? Environment.integer("HEARTH_AUDIT_RETENTION_DAYS") {
            guard days >= 0 else { throw HearthError(.configuration, "the audit retention must be 0 (keep) or more days") }
            configuration.auditRetention = days == 0 ? nil : .seconds(Int64(days) * 86_400)
        }
        if let days = try personalAuditRetentionDays ?? Environment.integer("HEARTH_PERSONAL_AUDIT_RETENTION_DAYS") {
            guard days >= 0 else { throw HearthError(.configuration, "the personal-data audit retention must be 0 (as the rest) or more days") }
            configuration.personalAuditRetention = days == 0 ? nil : .seconds(Int64(days) * 86_400)
        }
        if let seconds = try auditCheckpointSeconds ?? Environment.integer("HEARTH_AUDIT_CHECKPOINT_SECONDS") {
            guard (1...3600).contains(seconds) else {
                throw HearthError(.configuration, "the audit checkpoint interval must be 1 to 3600 seconds")
            }
            configuration.auditCheckpointInterval = .seconds(seconds)
        }
        if let seconds = try deviceCertificateLifetime ?? Environment.integer("HEARTH_DEVICE_CERTIFICATE_LIFETIME") {
            let range = HubConfiguration.deviceCertificateLifetimes
            guard range.contains(Int64(seconds)) else {
                throw HearthError(
                    .configuration, "the device certificate lifetime must be \(range.lowerBound) to \(range.upperBound) seconds")
            }
            configuration.deviceCertificateLifetime = .seconds(seconds)
        }
        if let limit = try maxInFlight ?? Environment.integer("HEARTH_MAX_IN_FLIGHT") {
            guard (1...100_000).contains(limit) else { throw HearthError(.configuration, "--max-in-flight must be 1 to 100000") }
            configuration.inFlightLimit = limit
        }
        if let name = nodeName ?? Environment.value("HEARTH_NODE_NAME") {
            guard (1...100).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else { throw HearthError(.configuration, "--node-name is 1 to 100 letters, digits, '-', '_' or '.'") }
            configuration.nodeName = name
        }
        if let port = try mqttRelayPort ?? Environment.integer("HEARTH_MQTT_RELAY_PORT") {
            guard (0...65535).contains(port) else { throw HearthError(.configuration, "--mqtt-relay-port must be 0 to 65535") }
            let address = mqttRelayAddress ?? Environment.value("HEARTH_MQTT_RELAY_ADDRESS")
            if let address {
                guard let colon = address.lastIndex(of: ":"), !address[..<colon].isEmpty,
                      let advertised = Int(address[address.index(after: colon)...]), (1...65535).contains(advertised)
                else { throw HearthError(.configuration, "--mqtt-relay-address is host:port") }
            }
            configuration.mqttRelay = MQTTRelaySettings(host: configuration.host, port: port, advertisedAddress: address)
        }
        return configuration
    }

    /// The HTTPS listener's timeouts (1–3600 s each) and its cap on pending connections.
    private func connectionLimits(_ limits: inout HTTPConnectionLimits) throws {
        let timeouts: [(flag: Int?, variable: String, name: String, value: WritableKeyPath<HTTPConnectionLimits, Duration>)] = [
            (headerTimeout, "HEARTH_HEADER_TIMEOUT", "header", \.headerTimeout),
            (bodyTimeout, "HEARTH_BODY_TIMEOUT", "body", \.bodyTimeout),
            (idleTimeout, "HEARTH_IDLE_TIMEOUT", "idle", \.idleTimeout),
        ]
        for timeout in timeouts {
            guard let seconds = try timeout.flag ?? Environment.integer(timeout.variable) else { continue }
            guard (1...3600).contains(seconds) else {
                throw HearthError(.configuration, "the \(timeout.name) timeout must be 1 to 3600 seconds")
            }
            limits[keyPath: timeout.value] = .seconds(seconds)
        }
        if let count = try maxPendingConnections ?? Environment.integer("HEARTH_MAX_PENDING_CONNECTIONS") {
            guard (1...100_000).contains(count) else {
                throw HearthError(.configuration, "the cap on pending connections must be 1 to 100000")
            }
            limits.maxPendingConnections = count
        }
    }
}
