import HearthSimulation
import ArgumentParser
import Foundation
import HearthCommandLine
import HearthCore
import HearthMQTT
import NIOCore
import NIOPosix
import NIOSSL

/// `hearth-bench mqtt`: an MQTT load over mutual TLS against any broker (the hub's or another).
struct MQTTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "MQTT load over mutual TLS against any broker: messages/s, end-to-end latency, loss, broker CPU and memory.",
        discussion: """
            IDENTITIES: --identities DIR holds <name>.pem (certificate chain, leaf first) and <name>.key \
            (PEM private key) per client, and manifest.txt, one client per line: \
            'publisher NAME CLIENT-ID TOPIC' or 'subscriber NAME CLIENT-ID FILTER' ('-' = empty client id; \
            '#' starts a comment). The first --publishers publishers and --subscribers subscribers of the \
            manifest take part. Against Hearth a device connects with its device id as client id, publishes \
            to devices/<own id>/... or, in zone lighting, to devices/<other lighting device>/cmd/..., and \
            subscribes to devices/<own id>/cmd/#; the same files work on Mosquitto when it trusts the hub's CA.

            THROUGHPUT (default): subscribers connect and subscribe, publishers connect, then publishers \
            publish for --warmup s plus the measured --seconds, then stop; a drain of up to \
            --drain-seconds lets the last messages and acknowledgements arrive. Each payload carries \
            its send time (the process's monotonic clock, ns) and a sequence number: latency is receive \
            time minus send time at the subscriber. --payload binary (default): the two as 8 bytes each \
            at the start, then filler. --payload telemetry: a JSON object of a metering device (here with \
            spaces, sent without): {"t": <send time>, "seq": <sequence>, "watts": 1234.5, "at": 1700000042, \
            "serial": "SN-0000000042", "mac": "aa:bb:cc:dd:ee:ff", "state": "on", "pad": "xxx…"}, pad sized to --size bytes (at least \
            \(LoadPayload.minimumSize(.telemetry))); the subscriber reads t and seq from the JSON it \
            receives, wherever they are and whatever else a broker removed or changed (a telemetry \
            flow's minimization: scripts/bench-tools/telemetry-flow.json). --rate 0 publishes as fast as \
            flow control allows: QoS 0 writes while the connection is writable, QoS 1 keeps --inflight \
            messages unacknowledged per publisher (lowered to the broker's MQTT 5 Receive Maximum). \
            Lost = deliveries expected (published x subscribers each topic reaches) - deliveries counted, \
            over the whole run.

            IDLE (--idle-connections K): K connections (identities reused round-robin: the manifest's \
            client id, then <client id>-<n> for later rounds, or the empty client id with \
            --empty-client-id), keep-alive 300 s, CONNECT and nothing else; then the broker's resident \
            memory per open connection. Hearth keys a device's session by its device id, so two \
            connections of one device take over each other whatever the client id: against Hearth, \
            K needs K devices.

            BROKER FIGURES (--broker-pid PID): /proc/PID/stat utime+stime over the measured window per \
            message delivered, and /proc/PID/status VmRSS before and after connecting. \
            The soft open-files limit is raised to the hard limit at start.

            Output: one figure per line, mqtt_[<label>_]qos<Q>_<figure>=<value> <unit> \
            (mqtt_[<label>_]idle_<figure> in idle mode), then a summary line.
            """)

    @Option(name: .long, help: "The broker's address.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The broker's MQTT-over-TLS port.")
    var port: Int

    @Option(name: .customLong("publisher-port"), help: "Publishers connect to this port instead (another hub node of the same hub: each message crosses from one node to the other; docs/scale-out.md).")
    var publisherPort: Int?

    @Option(name: .long, help: "PEM file of the CA certificate(s) that issued the broker's certificate.")
    var cafile: String

    @Option(name: .customLong("server-name"), help: "The DNS name the broker's certificate must carry (default: check its IP address against --host).")
    var serverName: String?

    @Option(name: .long, help: "The identities folder (see IDENTITIES below).")
    var identities: String

    @Option(name: .long, help: "Publishers (the first N of the manifest).")
    var publishers = 1

    @Option(name: .long, help: "Subscribers (the first M of the manifest).")
    var subscribers = 1

    @Option(name: .long, help: "QoS of publications and subscriptions: 0 or 1.")
    var qos = 0

    @Option(name: .long, help: "Payload bytes (at least 16: send time and sequence number; telemetry: at least \(LoadPayload.minimumSize(.telemetry))).")
    var size = 64

    @Option(name: .long, help: "Payload kind: binary or telemetry (a JSON object; see THROUGHPUT below).")
    var payload: LoadPayloadKind = .binary

    @Option(name: .long, help: "Seconds measured, after the warm-up.")
    var seconds: Double = 5

    @Option(name: .long, help: "Seconds of warm-up before the measured window.")
    var warmup: Double = 1

    @Option(name: .long, help: "Messages per second per publisher; 0 = as fast as flow control allows.")
    var rate: Double = 0

    @Option(name: .long, help: "QoS 1: unacknowledged messages per publisher at most.")
    var inflight = 32

    @Option(name: .customLong("mqtt-version"), help: "3.1.1 or 5.")
    var mqttVersion = "3.1.1"

    @Option(name: .customLong("drain-seconds"), help: "At most this long after the window for the last messages and acknowledgements.")
    var drainSeconds = 5

    @Option(name: .customLong("broker-pid"), help: "The broker's process id, for its CPU and memory (Linux /proc).")
    var brokerPID: Int32?

    @Option(name: .customLong("idle-connections"), help: "Idle mode: open K idle connections and report the broker's memory per connection.")
    var idleConnections: Int?

    @Flag(name: .customLong("empty-client-id"), help: "Idle mode: connect with the empty client id and a clean session.")
    var emptyClientID = false

    @Option(name: .customLong("connect-concurrency"), help: "Handshakes in progress at once while connecting.")
    var connectConcurrency = 32

    @Option(name: .customLong("settle-seconds"), help: "Idle mode: seconds to wait after connecting before reading the broker's memory.")
    var settleSeconds: Double = 2

    @Option(name: .customLong("password-file"), help: "Subscribers authenticate with this file's content (an OAuth access token) as the MQTT password, without a client certificate.")
    var passwordFile: String?

    @Option(name: .long, help: "The MQTT user name sent with --password-file.")
    var username = "token"

    @Option(name: .long, help: "Event-loop threads of this tool.")
    var threads = 1

    @Option(name: .long, help: "A label in every output line: mqtt_<label>_....")
    var label: String?

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard qos == 0 || qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
        guard size >= LoadPayload.minimumSize(payload), size <= 256 * 1024 else {
            throw ValidationError("--size must be \(LoadPayload.minimumSize(payload))…262144 with --payload \(payload.rawValue)")
        }
        guard seconds > 0, warmup >= 0, rate >= 0, drainSeconds >= 0, settleSeconds >= 0 else {
            throw ValidationError("--seconds must be positive; --warmup, --rate, --drain-seconds and --settle-seconds not negative")
        }
        guard (1...65_535).contains(inflight) else { throw ValidationError("--inflight must be 1…65535") }
        guard publishers >= 0, subscribers >= 0, publishers + subscribers > 0 || idleConnections != nil else {
            throw ValidationError("nothing to connect")
        }
        guard (1...64).contains(threads), connectConcurrency >= 1 else { throw ValidationError("--threads must be 1…64, --connect-concurrency positive") }
        guard mqttVersion == "3.1.1" || mqttVersion == "5" else { throw ValidationError("--mqtt-version must be 3.1.1 or 5") }
        if let idleConnections, idleConnections < 1 { throw ValidationError("--idle-connections must be positive") }
    }

    func run() async throws {
        let limit = OwnProcess.raiseFileLimit()
        let manifest = try LoadIdentities(folder: identities)
        let version: MQTTVersion = mqttVersion == "5" ? .v5 : .v311
        let settings = LoadSettings(
            version: version, qos: qos == 1 ? .atLeastOnce : .atMostOnce, payloadSize: size, payloadKind: payload, rate: rate,
            inflight: inflight, keepAlive: idleConnections == nil ? 60 : 300, publishers: publishers)
        let tls = LoadTLS(cafile: cafile, serverName: serverName)
        let broker = brokerPID.map(ProcessGauge.init(pid:))
        if let broker, broker.residentKiB() == nil { throw HearthError(.invalidInput, "cannot read /proc/\(broker.pid)/status") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            let connector = try await LoadConnector(
                group: group, host: host, port: port, publisherPort: publisherPort, serverName: serverName, settings: settings)
            let lines: [String]
            if let idleConnections {
                guard idleConnections + 64 <= limit else {
                    throw HearthError(.configuration, "--idle-connections \(idleConnections) needs more open files than the limit, \(limit)")
                }
                lines = try await runIdle(idleConnections, manifest: manifest, tls: tls, connector: connector, broker: broker)
            } else {
                lines = try await runThroughput(manifest: manifest, tls: tls, connector: connector, broker: broker)
            }
            for line in lines { Output.print(line) }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func runThroughput(
        manifest: LoadIdentities, tls: LoadTLS, connector: LoadConnector, broker: ProcessGauge?
    ) async throws -> [String] {
        guard manifest.publishers.count >= publishers, manifest.subscribers.count >= subscribers else {
            throw HearthError(
                .invalidInput,
                "the manifest has \(manifest.publishers.count) publishers and \(manifest.subscribers.count) subscribers; asked for \(publishers) and \(subscribers)")
        }
        let chosenPublishers = Array(manifest.publishers.prefix(publishers))
        let chosenSubscribers = Array(manifest.subscribers.prefix(subscribers))
        let password = try passwordFile.map { path in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw HearthError(.invalidInput, "cannot read the password file")
            }
            return Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        }
        let tokenContext = try password.map { _ in try tls.context(for: nil) }
        let keepAlive = connector.settings.keepAlive
        let version = connector.settings.version
        let publisherSpecs = try chosenPublishers.enumerated().map { index, identity in
            LoadConnectionSpec(
                name: identity.name, role: .publisher(topic: identity.topic, index: index),
                connect: ConnectPacket(version: version, clientID: identity.clientID, cleanStart: true, keepAlive: keepAlive),
                tls: try tls.context(for: identity))
        }
        let subscriberSpecs = try chosenSubscribers.map { identity in
            LoadConnectionSpec(
                name: identity.name, role: .subscriber(filter: identity.topic),
                connect: ConnectPacket(
                    version: version, clientID: identity.clientID, cleanStart: true, keepAlive: keepAlive,
                    username: password == nil ? nil : username, password: password),
                tls: try tokenContext ?? tls.context(for: identity))
        }
        let filters = try chosenSubscribers.map { try TopicFilter($0.topic) }
        let fanOut = chosenPublishers.map { publisher in filters.filter { $0.matches(publisher.topic) }.count }
        if let silent = fanOut.firstIndex(of: 0) {
            Output.print("note: publisher \(chosenPublishers[silent].name) (\(chosenPublishers[silent].topic)) reaches none of the subscribers")
        }
        let run = ThroughputRun(
            connector: connector, publishers: publisherSpecs, subscribers: subscriberSpecs, fanOut: fanOut, broker: broker,
            warmup: .milliseconds(Int64(warmup * 1000)), seconds: seconds, drain: .seconds(drainSeconds),
            concurrency: connectConcurrency)
        let result = try await run.run()
        return LoadReport.throughput(result, label: label, qos: qos, connections: publishers + subscribers)
    }

    private func runIdle(
        _ count: Int, manifest: LoadIdentities, tls: LoadTLS, connector: LoadConnector, broker: ProcessGauge?
    ) async throws -> [String] {
        let everyone = manifest.all
        guard !everyone.isEmpty else { throw HearthError(.invalidInput, "the manifest names no identity") }
        let contexts = try everyone.map { try tls.context(for: $0) }
        let version = connector.settings.version
        let keepAlive = connector.settings.keepAlive
        let specs = (0..<count).map { index in
            let identity = everyone[index % everyone.count]
            let round = index / everyone.count
            let clientID = emptyClientID || identity.clientID.isEmpty
                ? "" : round == 0 ? identity.clientID : "\(identity.clientID)-\(round)"
            return LoadConnectionSpec(
                name: identity.name, role: .idle,
                connect: ConnectPacket(version: version, clientID: clientID, cleanStart: true, keepAlive: keepAlive),
                tls: contexts[index % everyone.count])
        }
        let run = IdleRun(
            connector: connector, specs: specs, broker: broker, concurrency: connectConcurrency,
            settle: .milliseconds(Int64(settleSeconds * 1000)))
        return LoadReport.idle(try await run.run(), label: label, concurrency: connectConcurrency)
    }
}

extension LoadPayloadKind: ExpressibleByArgument {}
