import Foundation
import HearthStore
import HearthTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One household's MQTT over three nodes (docs/scale-out.md): the household's lease puts it on
/// one node, and the others relay its clients there — through haproxy or connected directly.
extension ScaleOutTests {
    /// scripts/test-tools/mqtt_cluster.py.
    static let clusterScript = URL(fileURLWithPath: Paho.script).deletingLastPathComponent().appendingPathComponent("mqtt_cluster.py").path

    /// Its JSON lines, as they came.
    static func events(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func oneHouseholdsMQTTIsServedByOneNodeAndReachedThroughAll() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await TestDatabase.with(.postgres) { database in
            let folders = (1...3).map { database.folder.appendingPathComponent("node\($0)") }
            let first = try await Self.serve("node1", folder: folders[0], database: database, kek: nil, relay: true)
            let password = try await first.process.oneTimePassword()
            let kek = try Data(contentsOf: folders[0].appendingPathComponent("kek")).base64EncodedString()
            var nodes = [first]
            for index in 1..<3 {
                nodes.append(try await Self.serve("node\(index + 1)", folder: folders[index], database: database, kek: kek, relay: true))
            }
            defer { for node in nodes { node.process.signal(SIGKILL) } }
            let front = try await Self.front(nodes, folder: database.folder)
            defer { front.process.signal(SIGKILL) }
            let root = folders[0].appendingPathComponent("ca-root.pem").path
            var devices: [String: MQTTDevice] = [:]
            for name in ["lamp", "lamp2", "switch"] { devices[name] = try await Self.device(name, hub: folders[0], database: database) }

            // Cross-node routing: the lamp connects to node 1 first (which takes the household),
            // the second lamp to node 3 and the switch to node 2 — both relayed to node 1.
            var clients: [String: Any] = [:]
            for (name, port) in [("lamp", nodes[0].mqttPort), ("lamp2", nodes[2].mqttPort), ("switch", nodes[1].mqttPort)] {
                var spec = devices[name]!.paho
                spec["port"] = "\(port)"
                clients[name] = spec
            }
            let spread = try await ProcessRunner.run("/usr/bin/env", [
                "python3", Self.clusterScript, "spread",
                try Paho.write(["ca": root, "port": nodes[0].mqttPort, "clients": clients, "count": 20], folder: database.folder, name: "spread"),
            ])
            #expect(spread.status == 0, "\(spread.standardOutput)\(spread.standardError)")
            print("ScaleOutTests: one household over three nodes: \(spread.standardOutput)")
            let placed = try await database.withStore { store in
                try await store.read { db in try await db.leases.all() }.filter { $0.name.hasPrefix("mqtt:") }
            }
            #expect(placed.count == 1 && placed.first?.holder == "node1", "\(placed)")

            // Revocation through node 2's API cuts off a device relayed through node 3 within a second.
            let token = try #require(try await CurlClient(baseURL: "https://127.0.0.1:\(nodes[1].port)", caCertificatePath: root)
                .json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password]).json()["token"] as? String)
            let lamp2 = devices["lamp2"]!
            let session = try Paho.wait(
                ["port": nodes[2].mqttPort, "ca": root, "clients": ["lamp2": lamp2.paho], "client": "lamp2", "protocol": 5,
                 "subscribe": "devices/\(lamp2.id)/cmd/#"],
                folder: database.folder, name: "lamp2")
            defer { session.process.signal(SIGKILL) }
            try await session.connected()
            let revoke = try await CurlClient(baseURL: "https://127.0.0.1:\(nodes[1].port)", caCertificatePath: root)
                .json("POST", "/v1/pki/certificates/\(lamp2.serial)/revoke", ["reason": "key-compromise"], headers: ["Authorization": "Bearer \(token)"])
            let revokedAt = Date().timeIntervalSince1970
            #expect(revoke.status == 200, "\(revoke.status) \(revoke.text)")
            let cut = try #require(try await session.cutOff(), "the relayed device was not cut off")
            print(String(format: "ScaleOutTests: revoked on node 2, a device relayed by node 3 to node 1 was cut off %.3f s after the answer", cut.time - revokedAt))
            #expect(cut.time - revokedAt < 1.0, "cut off \(cut.time - revokedAt) s after the revocation")

            // The household's node killed under load: the clients, through haproxy, reach the
            // household's next node within 10 s, and every acknowledged QoS 1 command to the
            // persistent session arrives.
            let failoverConfig: [String: Any] = [
                "ca": root, "port": front.mqtt, "duration": 14, "interval": 0.02, "grace": 20, "expiry": 600,
                "clients": ["lamp": devices["lamp"]!.paho, "switch": devices["switch"]!.paho],
            ]
            let load = try HearthProcess(executable: "/usr/bin/env", [
                "python3", Self.clusterScript, "failover", try Paho.write(failoverConfig, folder: database.folder, name: "failover"),
            ])
            defer { load.signal(SIGKILL) }
            _ = try await load.waitForOutput(timeout: .seconds(30)) { $0.contains(#""event": "running""#) }
            try await Task.sleep(for: .seconds(3))
            let lease = try #require(placed.first)
            let owner = try await database.withStore { store in
                try await store.read { db in try await db.leases.all() }.first { $0.name == lease.name }
            }
            let victim = try #require(nodes.firstIndex { $0.name == owner?.holder })
            nodes[victim].process.signal(SIGKILL)
            let killed = ContinuousClock.now
            let taken = try await database.withStore { store in
                try await Self.waitForHolder(of: lease.name, in: store, other: owner?.holder)
            }
            let takeover = ContinuousClock.now - killed
            _ = try await load.waitForExit(timeout: .seconds(90))
            let report = try #require(Self.events(load.standardOutput).first { $0["event"] as? String == "report" }, "\(load.standardOutput)\(load.standardError)")
            print("ScaleOutTests: the household's node (\(owner?.holder ?? "?")) killed; \(taken.holder) took the household \(takeover) later; \(report)")
            #expect(takeover < .seconds(10), "the household moved \(takeover) after the kill")
            #expect((report["lost"] as? [String])?.isEmpty == true, "acknowledged and lost: \(report)")
            #expect((report["acknowledged"] as? Int ?? 0) > 100, "\(report)")
            for key in ["lamp_gaps", "switch_gaps"] {
                let gaps = report[key] as? [Double] ?? []
                #expect(gaps.allSatisfy { $0 < 10 }, "\(key): \(gaps)")
            }

            let survivor = nodes[(victim + 1) % 3]
            let verify = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["audit", "verify", "--data", survivor.folder.path, "--database", database.url])
            #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        }
    }
}
