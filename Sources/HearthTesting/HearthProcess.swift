import Foundation
import Synchronization

/// The real `hearth` binary run as a child process, for tests that need what only a process
/// has: signals, SIGKILL, a restart on the same data.
public final class HearthProcess: Sendable {
    private let state = State()
    public let pid: Int32

    /// What the child wrote and how it ended, shared with the Dispatch-thread handlers.
    final class State: Sendable {
        let output = Mutex("")
        let errors = Mutex("")
        let exit = Mutex<Int32?>(nil)
    }

    /// The binary: `HEARTH_BIN` (set by scripts/test), else this package's debug build.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["HEARTH_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/hearth").path
    }

    public convenience init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binaryPath) else {
            throw CurlClient.CurlError(message: "no hearth binary at \(Self.binaryPath); run `swift build` first")
        }
        try self.init(executable: Self.binaryPath, arguments, environment: environment)
    }

    /// Another program run the same way, for the clients an end-to-end test keeps running beside
    /// the hub (`mosquitto_sub`, a Python client waiting to be cut off).
    public init(executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let child = try ChildProcess.start(
            executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        let state = self.state
        // Each pipe is read by a thread of its own until end of file, appending to a locked
        // buffer. Not Foundation's readabilityHandler: its Dispatch source keeps firing at end of
        // file on a thread the test process's async work needs, and cancelling it from inside
        // the handler has crashed libdispatch. A third thread waits for the exit.
        let outputRead = PipeReading.drain(child.standardOutput) { text in state.output.withLock { $0 += text } }
        let errorsRead = PipeReading.drain(child.standardError) { text in state.errors.withLock { $0 += text } }
        Thread {
            let status = child.waitForExit()
            // The exit is reported once what the child wrote has been read, so a test that sees it
            // sees the last lines too (bounded: a grandchild may hold the pipes open).
            _ = outputRead.wait(timeout: .now() + 2)
            _ = errorsRead.wait(timeout: .now() + 2)
            state.exit.withLock { $0 = status }
        }.start()
        self.pid = child.pid
    }

    public var standardOutput: String { state.output.withLock { $0 } }
    public var standardError: String { state.errors.withLock { $0 } }
    public var exitStatus: Int32? { state.exit.withLock { $0 } }

    public func signal(_ signal: Int32) {
        guard exitStatus == nil else { return }
        kill(pid, signal)
    }

    /// Waits (polling, without blocking a thread) until `predicate` holds on the output so far.
    public func waitForOutput(
        timeout: Duration = .seconds(60), _ predicate: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = standardOutput
            if predicate(text) { return text }
            if exitStatus != nil {
                try await Task.sleep(for: .milliseconds(100))
                if predicate(standardOutput) { return standardOutput }
                throw CurlClient.CurlError(
                    message: "hearth exited \(exitStatus!) before the expected output; stderr: \(standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CurlClient.CurlError(message: "timed out waiting for hearth; stdout: \(standardOutput) stderr: \(standardError.suffix(2000))")
    }

    /// Waits for the process to end and returns its exit status (or the number of the signal
    /// that ended it).
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        signal(SIGKILL)
        throw CurlClient.CurlError(message: "hearth did not exit in time")
    }

    /// The port from `Hearth is serving https://host:PORT`.
    public func waitForPort() async throws -> Int {
        try await waitForPort(after: "Hearth is serving https://")
    }

    /// The broker's port from `MQTT broker on mqtts://host:PORT`.
    public func waitForMQTTPort() async throws -> Int {
        try await waitForPort(after: "MQTT broker on mqtts://")
    }

    private func waitForPort(after marker: String) async throws -> Int {
        let text = try await waitForOutput { $0.contains(marker) }
        guard let range = text.range(of: marker) else { return 0 }
        let rest = text[range.upperBound...].prefix { $0 != " " && $0 != "\n" }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else {
            throw CurlClient.CurlError(message: "no port in \(rest)")
        }
        return port
    }

    /// The first owner's one-time password from the init report.
    public func oneTimePassword() async throws -> String {
        let text = try await waitForOutput { $0.contains("one-time password:") && $0.contains("\n", after: "one-time password:") }
        return Self.oneTimePassword(in: text) ?? ""
    }

    public static func oneTimePassword(in text: String) -> String? {
        guard let range = text.range(of: "one-time password:") else { return nil }
        return text[range.upperBound...].split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    deinit {
        if exitStatus == nil { kill(pid, SIGKILL) }
    }
}

extension String {
    fileprivate func contains(_ other: String, after marker: String) -> Bool {
        guard let range = range(of: marker) else { return false }
        return self[range.upperBound...].contains(other)
    }
}
