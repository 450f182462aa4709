import Foundation
import HearthTesting
import Testing

/// A persistent session and the messages queued for it while its device is offline survive the
/// hub being killed (`kill -9`) and started again: the real binary, the mosquitto clients, the
/// CLI on the data folder.
@Suite struct MQTTRestartTests {
    @Test(.requires(.mosquittoClients)) func aPersistentSessionAndItsQueueSurviveAKilledHub() async throws {
        let space = try PKILifecycleTests.Workspace("mqtt-restart")
        defer { try? FileManager.default.removeItem(at: space.root) }
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
        let lamp = try #require(ids["lamp"]), wallSwitch = try #require(ids["switch"])

        func serve() async throws -> (HearthProcess, Int) {
            let hub = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0", "--log-level", "warning"])
            return (hub, try await hub.waitForMQTTPort())
        }
        func mosquitto(_ tool: String, _ name: String, clientID: String, port: Int, _ extra: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(tool, [
                "-h", "127.0.0.1", "-p", String(port), "--cafile", space.rootCertificate, "--cert", space.path("\(name).pem"),
                "--key", space.path("\(name).key"), "-i", clientID, "-q", "1",
            ] + extra)
        }

        var (hub, port) = try await serve()
        // The lamp subscribes in a persistent session (clean session off) and goes away at once.
        let subscribed = try await mosquitto(
            MosquittoClient.subscribePath, "lamp", clientID: lamp, port: port, ["-c", "-E", "-t", "devices/\(lamp)/cmd/#"])
        #expect(subscribed.status == 0, "subscribe: \(subscribed.standardError)")
        // While it is offline, the switch sends it two commands, each acknowledged by the hub.
        for command in ["on", "dim"] {
            let published = try await mosquitto(
                MosquittoClient.publishPath, "switch", clientID: wallSwitch, port: port, ["-t", "devices/\(lamp)/cmd/power", "-m", command])
            #expect(published.status == 0, "publish \(command): \(published.standardError)")
        }
        hub.signal(SIGKILL)
        _ = try await hub.waitForExit()

        (hub, port) = try await serve()
        defer { hub.signal(SIGKILL) }
        // The lamp resumes its session on the new process and gets both, in order.
        let resumed = try await mosquitto(
            MosquittoClient.subscribePath, "lamp", clientID: lamp, port: port,
            ["-c", "-t", "devices/\(lamp)/cmd/#", "-C", "2", "-W", "15"])
        #expect(resumed.status == 0, "resume: \(resumed.standardError)")
        #expect(resumed.standardOutput.split(separator: "\n") == ["on", "dim"], "\(resumed.standardOutput)")
    }
}
