import Foundation
import HearthTesting
import Testing

/// A persistent session and the QoS 1 messages acknowledged for it survive the hub being killed
/// (`kill -9`) and started again — those queued while its device was offline, and those on their
/// way to it while it was connected: the real binary, the mosquitto clients, the CLI on the data
/// folder.
@Suite struct MQTTRestartTests {
    @Test(.requires(.mosquittoClients)) func aPersistentSessionAndItsQueueSurviveAKilledHub() async throws {
        let bench = try await Bench()
        defer { bench.remove() }
        var (hub, port) = try await bench.serve()
        // The lamp subscribes in a persistent session (clean session off) and goes away at once.
        let subscribed = try await bench.mosquitto(
            MosquittoClient.subscribePath, "lamp", port: port, ["-c", "-E", "-t", "devices/\(bench.lamp)/cmd/#"])
        #expect(subscribed.status == 0, "subscribe: \(subscribed.standardError)")
        // While it is offline, the switch sends it two commands, each acknowledged by the hub.
        for command in ["on", "dim"] {
            let published = try await bench.mosquitto(
                MosquittoClient.publishPath, "switch", port: port, ["-t", "devices/\(bench.lamp)/cmd/power", "-m", command])
            #expect(published.status == 0, "publish \(command): \(published.standardError)")
        }
        hub.signal(SIGKILL)
        _ = try await hub.waitForExit()

        (hub, port) = try await bench.serve()
        defer { hub.signal(SIGKILL) }
        // The lamp resumes its session on the new process and gets both, in order.
        let resumed = try await bench.mosquitto(
            MosquittoClient.subscribePath, "lamp", port: port, ["-c", "-t", "devices/\(bench.lamp)/cmd/#", "-C", "2", "-W", "15"])
        #expect(resumed.status == 0, "resume: \(resumed.standardError)")
        #expect(resumed.standardOutput.split(separator: "\n") == ["on", "dim"], "\(resumed.standardOutput)")
    }

    @Test(.requires(.mosquittoClients)) func aMessageOnItsWayToAConnectedPersistentSessionSurvivesAKilledHub() async throws {
        let bench = try await Bench()
        defer { bench.remove() }
        var (hub, port) = try await bench.serve()
        // The lamp is connected in a persistent session, but stopped: what the hub sends it sits
        // in its socket, never acknowledged.
        let lamp = try await MosquittoClient(
            port: port, caFile: bench.space.rootCertificate,
            credential: .certificate(chain: bench.space.path("lamp.pem"), key: bench.space.path("lamp.key")), clientID: bench.lamp
        ).subscribe(["devices/\(bench.lamp)/cmd/#"], version: .v311, extra: ["-c"])
        #expect(lamp.granted == [1], "\(lamp.output)")
        lamp.process.signal(SIGSTOP)
        let published = try await bench.mosquitto(
            MosquittoClient.publishPath, "switch", port: port, ["-t", "devices/\(bench.lamp)/cmd/power", "-m", "on"])
        #expect(published.status == 0, "publish: \(published.standardError)")
        // The hub acknowledged the command to the switch; it dies before the lamp acknowledges it.
        hub.signal(SIGKILL)
        _ = try await hub.waitForExit()
        try await lamp.stop()

        (hub, port) = try await bench.serve()
        defer { hub.signal(SIGKILL) }
        let resumed = try await bench.mosquitto(
            MosquittoClient.subscribePath, "lamp", port: port, ["-c", "-t", "devices/\(bench.lamp)/cmd/#", "-C", "1", "-W", "15"])
        #expect(resumed.status == 0, "resume: \(resumed.standardError)")
        #expect(resumed.standardOutput.split(separator: "\n") == ["on"], "\(resumed.standardOutput)")
    }

    /// A hub's data folder with two devices issued by the CLI, a lamp and a wall switch in the
    /// lighting zone (the switch may command the lamp).
    private struct Bench {
        let space: PKILifecycleTests.Workspace
        let lamp: String
        let wallSwitch: String

        init() async throws {
            space = try PKILifecycleTests.Workspace("mqtt-restart")
            try await space.hearth(["init"])
            var ids: [String: String] = [:]
            for name in ["lamp", "switch"] {
                try await space.makeCSR(name)
                let issued = try await space.run(["ca", "issue", "--csr", space.path("\(name).csr"), "--profile", "device", "--name", name])
                #expect(issued.status == 0, "\(issued.standardError)")
                try Data(issued.standardOutput.utf8).write(to: URL(fileURLWithPath: space.path("\(name).pem")))
                let id = try #require(issued.standardError.range(of: "/device/").map {
                    String(issued.standardError[$0.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
                })
                ids[name] = id
                try await space.hearth(["devices", "move", id, "--zone", "lighting"])
            }
            lamp = try #require(ids["lamp"])
            wallSwitch = try #require(ids["switch"])
        }

        func remove() { try? FileManager.default.removeItem(at: space.root) }

        func serve() async throws -> (HearthProcess, Int) {
            let hub = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0", "--log-level", "warning"])
            return (hub, try await hub.waitForMQTTPort())
        }

        /// `mosquitto_pub` or `mosquitto_sub` as `name`, QoS 1, its client identifier the device's.
        func mosquitto(_ tool: String, _ name: String, port: Int, _ extra: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(tool, [
                "-h", "127.0.0.1", "-p", String(port), "--cafile", space.rootCertificate, "--cert", space.path("\(name).pem"),
                "--key", space.path("\(name).key"), "-i", name == "lamp" ? lamp : wallSwitch, "-q", "1",
            ] + extra)
        }
    }
}
