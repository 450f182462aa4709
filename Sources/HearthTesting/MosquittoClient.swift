import Foundation

/// Eclipse Mosquitto's command-line clients, `mosquitto_pub` and `mosquitto_sub` (Debian's
/// mosquitto-clients), against a hub's broker on 127.0.0.1: MQTT over TLS trusting the hub's root
/// alone, as a device (its certificate chain and key) or as an app (an access token as the
/// password). Both run with `-d`, so their output shows every packet and reason code received.
public struct MosquittoClient: Sendable {
    public enum Version: String, Sendable, CaseIterable, CustomStringConvertible {
        case v311 = "mqttv311"
        case v5 = "mqttv5"

        public var description: String { self == .v5 ? "MQTT 5" : "MQTT 3.1.1" }
    }

    public enum Credential: Sendable {
        case certificate(chain: String, key: String)
        /// An OAuth access token, sent as the password (the user name is not checked).
        case token(String)
        /// Neither a certificate nor a password.
        case anonymous
    }

    public let port: Int
    public let caFile: String
    public let credential: Credential
    /// `-i`; nil sends an empty client identifier (a device is then known by its certificate).
    public let clientID: String?

    public static let publishPath = "/usr/bin/mosquitto_pub"
    public static let subscribePath = "/usr/bin/mosquitto_sub"

    public init(port: Int, caFile: String, credential: Credential, clientID: String? = nil) {
        self.port = port
        self.caFile = caFile
        self.credential = credential
        self.clientID = clientID
    }

    /// Whether the clients are installed (scripts/test installs them). A test does not return
    /// early on it: it declares `.requires(.mosquittoClients)`, skipped with a reason or failed.
    @available(*, deprecated, message: "declare .requires(.mosquittoClients) on the test instead of returning early")
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: publishPath) && FileManager.default.isExecutableFile(atPath: subscribePath)
    }

    func arguments(_ version: Version) -> [String] {
        var arguments = ["-h", "127.0.0.1", "-p", "\(port)", "--cafile", caFile, "-V", version.rawValue, "-d"]
        switch credential {
        case .certificate(let chain, let key): arguments += ["--cert", chain, "--key", key]
        case .token(let token): arguments += ["-u", "app", "-P", token]
        case .anonymous: break
        }
        if let clientID { arguments += ["-i", clientID] }
        return arguments
    }

    // MARK: mosquitto_pub

    /// What one `mosquitto_pub` run did.
    public struct Publication: Sendable, CustomStringConvertible {
        /// Its exit status; for a refused CONNECT, the CONNACK's return or reason code.
        public let status: Int32
        /// Standard output then standard error.
        public let output: String

        /// The CONNACK's code (`received CONNACK (N)`), nil if none arrived.
        public var connack: Int? { Self.number(in: output, after: "received CONNACK (") }

        /// The reason code of the PUBACK (QoS 1) or PUBCOMP (QoS 2), as `-d` prints it.
        public var acknowledgement: Int? {
            Self.number(in: output, after: "received PUBACK (Mid: 1, RC:")
                ?? Self.number(in: output, after: "received PUBCOMP (Mid: 1, RC:")
        }

        /// mosquitto_pub's own verdict on a refused MQTT 5 PUBACK or PUBREC (reason code ≥ 0x80).
        public var refused: Bool { output.contains("Warning: Publish 1 failed") }

        /// Every PUBACK's reason code, in order (a publish repeated with `repeat`).
        public var acknowledgements: [Int] {
            output.components(separatedBy: "received PUBACK (").dropFirst().compactMap { Self.number(in: $0, after: "RC:") }
        }

        public var description: String { "exit \(status): \(output)" }

        static func number(in text: String, after marker: String) -> Int? {
            guard let range = text.range(of: marker) else { return nil }
            return Int(text[range.upperBound...].prefix { $0.isNumber })
        }
    }

    /// Publishes one message (`count` times, `delay` seconds apart) with `mosquitto_pub` and waits for it to exit (killed after `timeout`
    /// seconds by coreutils' `timeout`, so that a broker that never answers fails the test).
    public func publish(
        _ topic: String, _ message: String, qos: Int = 1, version: Version = .v5, retain: Bool = false,
        repeat count: Int = 1, every delay: Double = 0, timeout: Int = 30
    ) async throws -> Publication {
        var arguments = ["\(timeout)", Self.publishPath] + self.arguments(version)
        arguments += ["-t", topic, "-m", message, "-q", "\(qos)"]
        if retain { arguments.append("-r") }
        if count > 1 { arguments += ["--repeat", "\(count)", "--repeat-delay", "\(delay)"] }
        let result = try await ProcessRunner.run("/usr/bin/timeout", arguments)
        return Publication(status: result.status, output: result.standardOutput + result.standardError)
    }

    // MARK: mosquitto_sub

    /// A message as `mosquitto_sub -F '%q %r %t %p'` printed it.
    public struct Message: Sendable, Equatable, CustomStringConvertible {
        public let topic: String
        public let qos: Int
        public let retained: Bool
        public let payload: String

        public init(topic: String, qos: Int, retained: Bool, payload: String) {
            self.topic = topic
            self.qos = qos
            self.retained = retained
            self.payload = payload
        }

        public var description: String { "\(topic) q\(qos)\(retained ? " retained" : "") \(payload)" }
    }

    /// A `mosquitto_sub` running in the background (line-buffered through `stdbuf`, so its output
    /// is read as it comes); stopped when this is released.
    public final class Subscription: Sendable {
        public let process: HearthProcess
        static let marker = "msg "

        init(process: HearthProcess) { self.process = process }

        /// Standard output then standard error, so far.
        public var output: String { process.standardOutput + process.standardError }

        /// The CONNACK's code, nil if none arrived (yet).
        public var connack: Int? { Publication.number(in: process.standardOutput, after: "received CONNACK (") }

        /// The SUBACK's codes, one per topic (granted QoS, or 128 / a reason code ≥ 0x80); empty
        /// until it arrived.
        public var granted: [Int] {
            guard let range = process.standardOutput.range(of: "Subscribed (mid: 1): ") else { return [] }
            let line = process.standardOutput[range.upperBound...].prefix { $0 != "\n" }
            return line.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }

        /// Every message received so far, in order.
        public var messages: [Message] {
            process.standardOutput.split(separator: "\n").compactMap { line -> Message? in
                guard line.hasPrefix(Self.marker) else { return nil }
                let fields = line.dropFirst(Self.marker.count).split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard fields.count >= 3, let qos = Int(fields[0]) else { return nil }
                return Message(
                    topic: String(fields[2]), qos: qos, retained: fields[1] == "1",
                    payload: fields.count == 4 ? String(fields[3]) : "")
            }
        }

        /// Waits until a message with `payload` arrived and returns it; nil after `timeout`, or
        /// when the client has exited without it.
        public func waitForMessage(_ payload: String, timeout: Duration = .seconds(15)) async throws -> Message? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let message = messages.first(where: { $0.payload == payload }) { return message }
                if process.exitStatus != nil {
                    try await Task.sleep(for: .milliseconds(100))
                    return messages.first { $0.payload == payload }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        /// Waits for the client to end by itself (after `count` messages, or when every
        /// subscription was refused); nil if it still runs after `timeout` (it is then killed).
        public func exitStatus(within timeout: Duration = .seconds(10)) async -> Int32? {
            try? await process.waitForExit(timeout: timeout)
        }

        /// Ends the client and waits for it. SIGKILL, so the connection drops without DISCONNECT:
        /// a child of the test process inherits its blocked SIGTERM and SIGINT (Foundation's
        /// `Process` keeps the signal mask), which mosquitto_sub would never see.
        public func stop() async throws {
            process.signal(SIGKILL)
            try await process.waitForExit(timeout: .seconds(10))
        }
    }

    /// Starts `mosquitto_sub` on `topics` and returns once the SUBACK arrived, or once the client
    /// gave up (a refused CONNECT: look at ``Subscription/connack``), or after `timeout`. It runs
    /// until ``Subscription/stop()``, `count` messages (`-C`), or until every subscription was refused.
    public func subscribe(
        _ topics: [String], qos: Int = 1, version: Version = .v5, count: Int? = nil, extra: [String] = [],
        timeout: Duration = .seconds(20)
    ) async throws -> Subscription {
        var arguments = ["-oL", Self.subscribePath] + self.arguments(version)
        for topic in topics { arguments += ["-t", topic] }
        arguments += ["-q", "\(qos)", "-F", Subscription.marker + "%q %r %t %p"]
        if let count { arguments += ["-C", "\(count)"] }
        let subscription = Subscription(process: try HearthProcess(executable: "/usr/bin/stdbuf", arguments + extra))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if subscription.process.standardOutput.contains("Subscribed (mid") { break }
            if subscription.process.exitStatus != nil { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return subscription
    }
}
