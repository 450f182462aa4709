import Foundation
import HearthBroker
import HearthCore
import HearthTesting
import NIOPosix
import Synchronization
import Testing

/// ``BridgeLink`` against a real Eclipse Mosquitto broker over mutual TLS, with a throwaway PKI
/// made by openssl and `mosquitto_sub` watching what arrives: delivery exactly once with the
/// prefix, a broker restart, withdrawal while disconnected, brokers it must not trust, and a
/// prompt stop with the broker gone.
@Suite(.serialized, .requires(.mosquittoBroker, .mosquittoClients, .openssl))
struct BridgeLinkMosquittoTests {
    static let prefix = "hearth/home-1/"

    @Test func everyMessageArrivesOnceWithThePrefixAcrossARestartAndWithdrawnOnesNever() async throws {
        try await BridgeTestBed.with { bed in
            let broker = try await bed.startBroker()
            let watcher = try await bed.watch()
            let acknowledgements = BridgeAcknowledgements()
            let logs = LogCapture()
            let link = try bed.link(logs: logs, acknowledgements: acknowledgements)
            link.start()
            try await eventually("the link connects") { link.status.connected }
            // The broker logs the hub in by its certificate's name (what the refused cases never show).
            try await eventually("the broker logs the hub in") { broker.log.contains("u'hub'") }

            var sentBytes = 0
            for number in 1...500 {
                let payload = "power-\(number)"
                sentBytes += payload.utf8.count
                link.forward(topic: "meter/power", payload: Array(payload.utf8), tag: "power")
            }
            try await eventually("500 acknowledgements", within: .seconds(30)) { link.status.acknowledgedTotal == 500 }
            try await eventually("500 deliveries") { watcher.messages.count >= 500 }
            let delivered = watcher.messages
            #expect(delivered.count == 500, "no message twice")
            #expect(Set(delivered.map(\.payload)) == Set((1...500).map { "power-\($0)" }))
            #expect(delivered.allSatisfy { $0.topic == Self.prefix + "meter/power" })
            #expect(acknowledgements.count == 500)
            #expect(acknowledgements.bytes == sentBytes)
            #expect(acknowledgements.tags == ["power"])

            // The broker goes away: what is forwarded meanwhile waits, and a withdrawn flow never leaves.
            try await broker.stop()
            try await eventually("the link notices") { !link.status.connected }
            for number in 1...10 {
                link.forward(topic: "presence", payload: Array("withdrawn-\(number)".utf8), tag: "presence")
            }
            for number in 1...20 {
                link.forward(topic: "meter/power", payload: Array("later-\(number)".utf8), tag: "power")
            }
            link.discard(tag: "presence")
            try await eventually("a reconnect attempt fails") { logs.all.contains { $0.contains("the bridge could not connect") } }
            try await eventually("the link has queued the rest") { link.status.queued == 20 }
            #expect(link.status.discardedTotal == 10)
            #expect(link.status.lastError != nil)

            _ = try await bed.startBroker()
            try await eventually("the link reconnects and delivers", within: .seconds(40)) {
                link.status.acknowledgedTotal == 520
            }
            try await eventually("the watcher has the later messages") {
                watcher.messages.filter { $0.payload.hasPrefix("later-") }.count >= 20
            }
            #expect(Set(watcher.messages.filter { $0.payload.hasPrefix("later-") }.map(\.payload))
                == Set((1...20).map { "later-\($0)" }))
            #expect(!watcher.messages.contains { $0.topic.hasSuffix("presence") || $0.payload.hasPrefix("withdrawn") })
            #expect(link.status.queued == 0)
            #expect(link.status.inFlight == 0)
            #expect(link.status.droppedTotal == 0)

            let started = ContinuousClock.now
            await link.stop()
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(!link.status.connected)
            // What the link logged names the destination, never a payload or a key.
            let logged = logs.all.joined(separator: "\n")
            #expect(logged.contains("the bridge is connected"))
            #expect(!logged.contains("power-"))
            #expect(!logged.contains("withdrawn-"))
            #expect(!logged.contains("PRIVATE KEY"))
            try await watcher.stop()
        }
    }

    /// A broker the link cannot verify: its chain does not end in the destination's roots, or
    /// its certificate does not name the address dialled.
    enum Untrusted: String, CaseIterable, Sendable {
        case otherRoot, otherName
    }

    @Test(arguments: Untrusted.allCases)
    func aBrokerTheLinkCannotVerifyGetsNothing(_ untrusted: Untrusted) async throws {
        try await BridgeTestBed.with { bed in
            let broker = try await bed.startBroker(certificate: untrusted == .otherName ? "server-named" : "server")
            // The watcher itself does not check the broker's name, which is what is wrong here.
            let watcher = try await bed.watch(checkingName: untrusted != .otherName)
            let acknowledgements = BridgeAcknowledgements()
            let link = try bed.link(trustRoots: untrusted == .otherRoot ? "other-ca" : "ca", acknowledgements: acknowledgements)
            link.start()
            for number in 1...5 { link.forward(topic: "meter/power", payload: Array("secret-\(number)".utf8), tag: "power") }
            try await eventually("the link reports why") { link.status.lastError != nil }
            let error = try #require(link.status.lastError)
            switch untrusted {
            case .otherRoot:
                #expect(error.hasPrefix("the certificate of the broker at 127.0.0.1:\(bed.port) failed verification against the destination's trust roots"), "\(error)")
            case .otherName:
                #expect(error == "the certificate of the broker at 127.0.0.1:\(bed.port) does not name 127.0.0.1", "\(error)")
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(!link.status.connected)
            #expect(link.status.acknowledgedTotal == 0)
            #expect(link.status.queued == 5)
            #expect(acknowledgements.count == 0)
            #expect(watcher.messages.isEmpty)
            // The broker never saw the hub log in: no CONNECT got past TLS.
            #expect(!broker.log.contains("u'hub'"), "\(broker.log)")
            await link.stop()
            try await watcher.stop()
        }
    }

    @Test func stopReturnsPromptlyWhenTheBrokerIsGoneOrFrozen() async throws {
        try await BridgeTestBed.with { bed in
            // Frozen: connected, then the broker stops answering (SIGSTOP); the DISCONNECT and
            // TLS close_notify go unanswered.
            let broker = try await bed.startBroker()
            let frozen = try bed.link()
            frozen.start()
            try await eventually("the link connects") { frozen.status.connected }
            broker.process.signal(SIGSTOP)
            defer { broker.process.signal(SIGCONT) }
            frozen.forward(topic: "meter/power", payload: Array("unanswered".utf8), tag: "power")
            var started = ContinuousClock.now
            await frozen.stop()
            #expect(ContinuousClock.now - started < .seconds(2))
            broker.process.signal(SIGCONT)
            try await broker.stop()

            // Gone: nothing listens, the link is between attempts or dialling.
            let gone = try bed.link()
            gone.start()
            gone.forward(topic: "meter/power", payload: Array("nowhere".utf8), tag: "power")
            try await eventually("the attempt fails") { gone.status.lastError != nil }
            #expect(gone.status.lastError == "cannot connect to 127.0.0.1:\(bed.port): Connection refused", "\(gone.status)")
            started = ContinuousClock.now
            await gone.stop()
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test func certificatesAndKeysThatDoNotParseOrMatchAreRefusedAtInit() async throws {
        try await BridgeTestBed.with { bed in
            let cases: [(String, (inout BridgeDestination) throws -> Void, String)] = [
                ("garbage roots", { $0.trustRootsPEM = "not a certificate" }, "bridge test: the trust roots cannot be read as PEM certificates"),
                ("garbage chain", { $0.clientCertificateChainPEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" },
                 "bridge test: the client certificate chain cannot be read as PEM certificates"),
                ("garbage key", { $0.clientKeyPEM = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
                 "bridge test: the client key is not a PEM private key (EC P-256 or RSA)"),
                ("another certificate's key", { $0.clientKeyPEM = try bed.read("watcher.key") },
                 "bridge test: the client key does not belong to the client certificate"),
            ]
            for (name, change, reason) in cases {
                var destination = try bed.destination()
                try change(&destination)
                let refusal = #expect(throws: HearthError.self, "\(name)") {
                    _ = try BridgeLink(
                        destination: destination, group: MultiThreadedEventLoopGroup.singleton, clock: SystemClock(),
                        logger: LogCapture().logger(), onAcknowledged: { _, _ in })
                }
                #expect(refusal?.code == .invalidInput, "\(name)")
                #expect(refusal?.reason == reason, "\(name)")
            }
            // The key's own text never appears in a refusal.
            #expect(!"\(try bed.destination())".contains("PRIVATE KEY"))
        }
    }
}

// MARK: - The test bed

/// A temporary folder with the PKI, one port, and the Mosquitto broker and watchers started in it.
struct BridgeTestBed: Sendable {
    let folder: URL
    let port: Int
    /// Every process this bed started, killed when it ends.
    private let started: BridgeProcesses

    /// Makes the bed, runs `body`, and stops every process it started, also when `body` throws.
    static func with(_ body: (BridgeTestBed) async throws -> Void) async throws {
        let folder = try TemporaryFolder.make(prefix: "bridge-mosquitto")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bed = BridgeTestBed(folder: folder, port: try FreePort.tcp(), started: BridgeProcesses())
        try await bed.makePKI()
        do {
            try await body(bed)
        } catch {
            bed.killAll()
            throw error
        }
        bed.killAll()
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    // MARK: PKI

    /// Two CAs (`ca`, `other-ca`); under `ca`: the broker's certificate for 127.0.0.1 (`server`),
    /// one naming only a DNS name (`server-named`), the hub's (`hub`) and the watcher's (`watcher`).
    private func makePKI() async throws {
        let ca = try await OpenSSLCA.make("ca", subject: "/CN=Bridge test ca", in: folder)
        _ = try await OpenSSLCA.make("other-ca", subject: "/CN=Bridge test other-ca", in: folder)
        try await ca.issue("server", extensions: OpenSSLCA.serverAt127)
        try await ca.issue("server-named", extensions: OpenSSLCA.serverAt127.replacingOccurrences(of: "IP:127.0.0.1", with: "DNS:broker.example"))
        for client in ["hub", "watcher"] { try await ca.issue(client, extensions: OpenSSLCA.client) }
    }

    // MARK: The link

    func destination(trustRoots: String = "ca") throws -> BridgeDestination {
        BridgeDestination(
            name: "test", host: "127.0.0.1", port: port, trustRootsPEM: try read("\(trustRoots).pem"),
            clientCertificateChainPEM: try read("hub.pem"), clientKeyPEM: try read("hub.key"),
            topicPrefix: BridgeLinkMosquittoTests.prefix, clientID: "hearth-hub-test")
    }

    func link(
        trustRoots: String = "ca", logs: LogCapture = LogCapture(), acknowledgements: BridgeAcknowledgements = BridgeAcknowledgements()
    ) throws -> BridgeLink {
        try BridgeLink(
            destination: destination(trustRoots: trustRoots), group: MultiThreadedEventLoopGroup.singleton, clock: SystemClock(),
            logger: logs.logger(label: "bridge")
        ) { tag, bytes in acknowledgements.record(tag: tag, bytes: bytes) }
    }

    // MARK: Processes

    /// Starts Mosquitto on the bed's port, with `certificate` as its own, and waits until it listens.
    ///
    /// Persistence is on (in the bed's folder) so that the watcher's session and subscription
    /// survive a restart: otherwise the link, reconnecting first, could deliver before the
    /// watcher subscribed again, and the test would lose messages the link did deliver.
    func startBroker(certificate: String = "server") async throws -> MosquittoBroker {
        var lines = [
            "per_listener_settings false",
            "persistence true",
            "persistence_location \(folder.path)/",
            "log_dest stderr",
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "listener \(port) 127.0.0.1",
            "cafile \(path("ca.pem"))",
            "certfile \(path("\(certificate).pem"))",
            "keyfile \(path("\(certificate).key"))",
            "require_certificate true",
            "use_identity_as_username true",
        ]
        // Run as root, Mosquitto would switch to the `mosquitto` user, who cannot read this folder.
        if getuid() == 0 { lines.append("user root") }
        try lines.joined(separator: "\n").write(toFile: path("mosquitto.conf"), atomically: true, encoding: .utf8)
        let process = try HearthProcess(executable: "/usr/sbin/mosquitto", ["-c", path("mosquitto.conf")])
        started.add(process)
        let broker = MosquittoBroker(process: process)
        try await eventually("mosquitto listens on \(port)") {
            if let status = process.exitStatus { throw BridgeTestFailure("mosquitto exited \(status): \(broker.log)") }
            return broker.log.contains("mosquitto version") && broker.log.contains(" running")
        }
        return broker
    }

    /// `mosquitto_sub` on everything under the prefix, at QoS 1 in a persistent session (it
    /// reconnects by itself after a restart); returns once subscribed.
    func watch(checkingName: Bool = true) async throws -> BridgeWatcher {
        let process = try HearthProcess(executable: "/usr/bin/stdbuf", [
            "-oL", MosquittoClient.subscribePath, "-h", "127.0.0.1", "-p", "\(port)", "-V", "mqttv311", "-d",
            "--cafile", path("ca.pem"), "--cert", path("watcher.pem"), "--key", path("watcher.key"),
            "-i", "bridge-watcher", "-c", "-q", "1", "-t", BridgeLinkMosquittoTests.prefix + "#",
            "-F", BridgeWatcher.marker + "%t %p",
        ] + (checkingName ? [] : ["--insecure"]))
        started.add(process)
        let watcher = BridgeWatcher(process: process)
        try await eventually("mosquitto_sub subscribes") {
            if let status = process.exitStatus { throw BridgeTestFailure("mosquitto_sub exited \(status): \(process.standardError)") }
            return process.standardOutput.contains("Subscribed (mid")
        }
        return watcher
    }

    private func killAll() {
        for process in started.takeAll() {
            process.signal(SIGCONT)
            process.signal(SIGKILL)
        }
    }
}

final class BridgeProcesses: Sendable {
    private let processes = Mutex<[HearthProcess]>([])

    func add(_ process: HearthProcess) { processes.withLock { $0.append(process) } }

    func takeAll() -> [HearthProcess] {
        processes.withLock { processes in
            defer { processes = [] }
            return processes
        }
    }
}

/// A running Mosquitto.
struct MosquittoBroker: Sendable {
    let process: HearthProcess

    var log: String { process.standardError + process.standardOutput }

    /// SIGTERM (Mosquitto saves its sessions and exits) and waits for the exit.
    func stop() async throws {
        process.signal(SIGTERM)
        try await process.waitForExit(timeout: .seconds(10))
    }
}

/// A `mosquitto_sub` and the messages it printed.
struct BridgeWatcher: Sendable {
    static let marker = "msg "
    let process: HearthProcess

    struct Message: Sendable, Equatable {
        let topic: String
        let payload: String
    }

    var messages: [Message] {
        process.standardOutput.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(Self.marker) else { return nil }
            let fields = line.dropFirst(Self.marker.count).split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { return nil }
            return Message(topic: String(fields[0]), payload: String(fields[1]))
        }
    }

    func stop() async throws {
        process.signal(SIGKILL)
        try await process.waitForExit(timeout: .seconds(10))
    }
}

/// What the link's `onAcknowledged` reported.
final class BridgeAcknowledgements: Sendable {
    private let state = Mutex<(count: Int, bytes: Int, tags: Set<String>)>((0, 0, []))

    func record(tag: String, bytes: Int) {
        state.withLock { state in
            state.count += 1
            state.bytes += bytes
            state.tags.insert(tag)
        }
    }

    var count: Int { state.withLock { $0.count } }
    var bytes: Int { state.withLock { $0.bytes } }
    var tags: Set<String> { state.withLock { $0.tags } }
}

struct BridgeTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds; fails the test with `what` after `timeout`.
