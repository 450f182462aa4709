import Foundation
import Glibc
import HearthCore

/// The hub under simulation: `hearth serve` in a process of its own on a scratch data folder,
/// so that it can be killed (SIGKILL) and started again on the same data, and measured from
/// /proc apart from the simulator's devices.
actor HubProcess {
    struct Endpoints: Sendable {
        let host: String
        let https: Int
        let mqtt: Int
        var url: URL { URL(string: "https://\(host):\(https)")! }
    }

    /// The owner account the first start printed.
    struct Owner: Sendable {
        let email: String
        let password: String
    }

    let binary: URL
    let data: URL
    let arguments: [String]
    /// The hub's own namespace, when the run plays in network namespaces.
    let network: NetworkLab?
    private var process: Process?
    private var starts = 0
    private(set) var endpoints: Endpoints?
    private(set) var owner: Owner?

    init(binary: URL, data: URL, settings: Scenario.HubSettings, network: NetworkLab? = nil) {
        self.binary = binary
        self.data = data
        self.network = network
        var arguments = ["--device-certificate-lifetime", String(settings.certificateLifetime), "--log-level", "warning"]
        if let limit = settings.maxInFlight { arguments += ["--max-in-flight", String(limit)] }
        if let count = settings.maxQueuedMessages { arguments += ["--max-queued-messages", String(count)] }
        self.arguments = arguments
    }

    var pid: Int32? { process.map(\.processIdentifier) }

    /// Starts the hub: on free ports the first time, on the same ports after a restart (the
    /// devices have the hub's address in their records).
    func start() async throws -> Endpoints {
        starts += 1
        let output = data.deletingLastPathComponent().appendingPathComponent("hub-\(starts).out")
        let log = data.deletingLastPathComponent().appendingPathComponent("hub-\(starts).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let host = network?.hubAddress ?? "127.0.0.1"
        let listen = endpoints.map { ("\(host):\($0.https)", "\(host):\($0.mqtt)") } ?? ("\(host):0", "\(host):0")
        var command = (executable: binary, arguments: ["serve", "--data", data.path, "--listen", listen.0, "--mqtt-listen", listen.1] + arguments)
        if let network { command = network.hubCommand(command.executable, command.arguments) }
        let process = Process()
        process.executableURL = command.executable
        process.arguments = command.arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        self.process = process
        for _ in 0..<1200 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if owner == nil, let email = Self.value(after: "owner:", in: text),
               let password = Self.value(after: "one-time password:", in: text) {
                owner = Owner(email: email, password: password)
            }
            if let https = Self.port(after: "Hearth is serving https://\(host):", in: text),
               let mqtt = Self.port(after: "MQTT broker on mqtts://\(host):", in: text) {
                endpoints = Endpoints(host: host, https: https, mqtt: mqtt)
                return endpoints!
            }
            guard process.isRunning else {
                let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw HearthError(.configuration, "hearth serve exited: \(errors.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HearthError(.configuration, "hearth serve did not start listening within two minutes (see \(log.path))")
    }

    /// kill -9: no shutdown, no flush — what a power cut does to the process.
    func kill() async {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        await Self.waitForExit(process)
    }

    /// SIGTERM and wait: the hub's own orderly shutdown.
    func stop() async {
        guard let process, process.isRunning else { return }
        process.terminate()
        await Self.waitForExit(process)
    }

    /// Runs another `hearth` command on the hub's data folder (`audit verify`) and returns its
    /// exit status and output.
    nonisolated func runCommand(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run(binary, arguments + ["--data", data.path])
    }

    private static func waitForExit(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private static func value(after label: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(label) { return trimmed.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    private static func port(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}

/// A process's resident memory and CPU time, from /proc: the hub under a simulation, the broker
/// under `hearth-bench mqtt` (Hearth's or a peer's).
public struct ProcessGauge: Sendable {
    public let pid: Int32

    public init(pid: Int32) { self.pid = pid }

    /// VmRSS in KiB.
    public func residentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// User + system CPU time in milliseconds.
    public func cpuMilliseconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
