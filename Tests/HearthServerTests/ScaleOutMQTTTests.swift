import Foundation
import HearthStore
import HearthTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One household's MQTT over three nodes, each in a network namespace of its own
/// (docs/scale-out.md): the household's lease puts it on one node, the others relay its clients
/// there; the node cut off or killed gives it up, another takes it, and nothing acknowledged is lost.
extension ScaleOutTests {
    /// scripts/test-tools/mqtt_cluster.py.
    static let clusterScript = URL(fileURLWithPath: Paho.script).deletingLastPathComponent().appendingPathComponent("mqtt_cluster.py").path

    /// Its JSON lines, as they came.
    static func events(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// mqtt_cluster.py `failover` through the front: the lamp's persistent session hears the
    /// switch's numbered QoS 1 commands while `disrupt` runs (once both are connected).
    static func failover(
        _ devices: [String: MQTTDevice], port: Int, root: String, folder: URL, seconds: Int,
        whenStuck: () -> Void, disrupt: () async throws -> Void
    ) async throws -> [String: Any] {
        let config: [String: Any] = [
            "ca": root, "port": port, "duration": seconds, "interval": 0.02, "grace": 20, "expiry": 600,
            "clients": ["lamp": devices["lamp"]!.paho, "switch": devices["switch"]!.paho],
        ]
        let load = try HearthProcess(executable: "/usr/bin/env", [
            "python3", clusterScript, "failover", try Paho.write(config, folder: folder, name: "failover"),
        ])
        defer { load.signal(SIGKILL) }
        _ = try await load.waitForOutput(timeout: .seconds(30)) { $0.contains(#""event": "running""#) }
        try await Task.sleep(for: .seconds(2))
        try await disrupt()
        do {
            // The report, not the exit: a process done with its work may still linger in its threads' teardown.
            _ = try await load.waitForOutput(timeout: .seconds(TimeInterval(seconds) + 60)) { $0.contains(#""event": "report""#) }
        } catch {
            whenStuck()
            Issue.record("the load did not end: \(load.standardOutput)\(load.standardError.suffix(4000))")
            throw error
        }
        return try #require(events(load.standardOutput).first { $0["event"] as? String == "report" }, "\(load.standardOutput)\(load.standardError)")
    }

    /// The lease `name` and how long after `since` it was held by a node other than `other`.
    static func moved(_ name: String, from other: String, since: ContinuousClock.Instant, database: TestDatabase) async throws
        -> (lease: LeaseRecords.LeaseRow, after: Duration)
    {
        let lease = try await database.withStore { store in try await waitForHolder(of: name, in: store, other: other) }
        return (lease, ContinuousClock.now - since)
    }

    @Test(.requires(.superuser, .command("ip")))
    func oneHouseholdsMQTTOverThreeNodesInNamespacesOfTheirOwn() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await TestDatabase.with(.postgres) { database in
            let cluster = try await ScaleOutCluster.create(nodes: 3)
            defer { cluster.remove() }
            // PostgreSQL as the namespaces reach it: a haproxy on the bridge.
            let (forwarder, insideURL) = try ScaleOutCluster.databaseForwarder(database, on: cluster.hostAddress)
            defer { forwarder.signal(SIGKILL) }

            let folders = (1...3).map { database.folder.appendingPathComponent("node\($0)") }
            // The failover load sends a device's commands every 20 ms (some 30 acknowledged a
            // second), from devices with no learned rate: above the storm detector's default floor
            // of 20 messages/s. A node holding both the household and the detection lease through
            // half a minute of it rate-limits and then quarantines the switch, as it should
            // (docs/detection.md; it happened in a CI run). This test is about failover: the nodes'
            // floor is set above its load.
            for folder in folders {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try Data(#"{"storm": {"floor": 1000}}"#.utf8).write(to: folder.appendingPathComponent("detection.json"))
            }
            var nodes = [try await cluster.serve(0, folder: folders[0], databaseURL: insideURL, kek: nil)]
            let password = try await nodes[0].process.oneTimePassword()
            let kek = try Data(contentsOf: folders[0].appendingPathComponent("kek")).base64EncodedString()
            for index in 1..<3 { nodes.append(try await cluster.serve(index, folder: folders[index], databaseURL: insideURL, kek: kek)) }
            defer { for node in nodes { node.process.signal(SIGKILL) } }
            let front = try await cluster.front(nodes, folder: database.folder)
            defer { front.process.signal(SIGKILL) }
            let root = folders[0].appendingPathComponent("ca-root.pem").path
            /// What each node said of households, leases, relays and its broker's writes: the account of a failed run.
            func printNodeLogs() {
                for node in nodes {
                    let lines = node.process.standardError.split(separator: "\n").filter {
                        $0.contains("household") || $0.contains("lease") || $0.contains("relay") || $0.contains("MQTT")
                            || $0.contains("could not store")
                    }
                    print("\(node.name):\n" + lines.suffix(60).joined(separator: "\n"))
                }
            }
            var devices: [String: MQTTDevice] = [:]
            for name in ["lamp", "lamp2", "switch"] { devices[name] = try await Self.device(name, hub: folders[0], database: database) }

            // Cross-node routing: the lamp reaches node 1 first (which takes the household), the
            // second lamp node 3 and the switch node 2 — both relayed to node 1. Each QoS 1 and 2
            // command arrives once, each QoS 0 one at most once.
            func spread(_ ports: [String: Int], count: Int) async throws -> ProcessRunner.Result {
                var clients: [String: Any] = [:]
                for (name, port) in ports {
                    var spec = devices[name]!.paho
                    spec["port"] = "\(port)"
                    clients[name] = spec
                }
                return try await ProcessRunner.run("/usr/bin/env", [
                    "python3", Self.clusterScript, "spread",
                    try Paho.write(["ca": root, "port": front.mqtt, "clients": clients, "count": count], folder: database.folder, name: "spread"),
                ])
            }
            let routed = try await spread(["lamp": front.direct[0], "lamp2": front.direct[2], "switch": front.direct[1]], count: 20)
            #expect(routed.status == 0, "\(routed.standardOutput)\(routed.standardError)")
            print("ScaleOutTests: one household over three nodes in namespaces: \(routed.standardOutput)")
            let lease = try #require(try await database.withStore { store in
                try await store.read { db in try await db.leases.all() }.first { $0.name.hasPrefix("mqtt:") }
            })
            #expect(lease.holder == "node1", "\(lease)")

            // Revocation through node 2's API cuts off a device relayed by node 3 within a second.
            let token = try #require(try await CurlClient(baseURL: "https://127.0.0.1:\(front.directHTTPS[1])", caCertificatePath: root)
                .json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password]).json()["token"] as? String)
            let lamp2 = devices["lamp2"]!
            let session = try Paho.wait(
                ["port": front.direct[2], "ca": root, "clients": ["lamp2": lamp2.paho], "client": "lamp2", "protocol": 5,
                 "subscribe": "devices/\(lamp2.id)/cmd/#"],
                folder: database.folder, name: "lamp2")
            defer { session.process.signal(SIGKILL) }
            try await session.connected()
            let revoke = try await CurlClient(baseURL: "https://127.0.0.1:\(front.directHTTPS[1])", caCertificatePath: root)
                .json("POST", "/v1/pki/certificates/\(lamp2.serial)/revoke", ["reason": "key-compromise"], headers: ["Authorization": "Bearer \(token)"])
            let revokedAt = Date().timeIntervalSince1970
            #expect(revoke.status == 200, "\(revoke.status) \(revoke.text)")
            let cut = try #require(try await session.cutOff(), "the relayed device was not cut off")
            print(String(format: "ScaleOutTests: revoked on node 2, a device relayed by node 3 to node 1 was cut off %.3f s after the answer", cut.time - revokedAt))
            #expect(cut.time - revokedAt < 1.0, "cut off \(cut.time - revokedAt) s after the revocation")

            // A partition: node 1, serving the household, is cut off under load. It gives the
            // household up before another node may take it; another takes it within the
            // documented time; nothing acknowledged is lost; healed, node 1 relays again.
            var (movedAfter, gaveUpAfter) = (Duration.zero, Duration.zero)
            let partitioned = try await Self.failover(devices, port: front.mqtt, root: root, folder: database.folder, seconds: 24, whenStuck: printNodeLogs) {
                try await cluster.link(0, up: false)
                let cutAt = ContinuousClock.now
                // Node 1's own account (its log reaches the test by a pipe, not the network).
                let first = nodes[0].process
                let gaveUp = Task {
                    try await eventually("node 1 gives the household up", within: .seconds(20), every: .milliseconds(20)) {
                        first.standardError.contains("gave up a household's MQTT")
                    }
                    return ContinuousClock.now - cutAt
                }
                movedAfter = try await Self.moved(lease.name, from: "node1", since: cutAt, database: database).after
                gaveUpAfter = try await gaveUp.value
                try await Task.sleep(for: .seconds(3))
                try await cluster.link(0, up: true)
            }
            print("ScaleOutTests: node 1 cut off; it gave the household up \(gaveUpAfter) later, and another node took it \(movedAfter) later; \(partitioned)")
            #expect(gaveUpAfter < movedAfter, "node 1 served the household until \(gaveUpAfter), another from \(movedAfter)")
            // Taken when a client of it next reaches another node: after the lease's expiry (at most
            // 8 s after node 1's last renewal) and the client's keep-alive noticing the cut.
            #expect(movedAfter < .seconds(10), "the household moved \(movedAfter) after the cut")
            #expect((partitioned["lost"] as? [String])?.isEmpty == true, "acknowledged and lost: \(partitioned)")
            try await eventually("node 1 relays the household's clients again", within: .seconds(30), every: .seconds(1)) {
                // The second lamp's certificate is revoked: the lamp on node 1, the switch on node 2.
                try await spread(["lamp": front.direct[0], "switch": front.direct[1]], count: 2).status == 0
            }

            // The household's node killed under load: the clients, through haproxy, reach the
            // next within 10 s, and every acknowledged QoS 1 command to the persistent session arrives.
            let owner = try #require(try await database.withStore { store in
                try await store.read { db in try await db.leases.all() }.first { $0.name == lease.name }
            })
            let victim = try #require(nodes.firstIndex { $0.name == owner.holder })
            var takeover = Duration.zero
            let killed = try await Self.failover(devices, port: front.mqtt, root: root, folder: database.folder, seconds: 14, whenStuck: printNodeLogs) {
                nodes[victim].process.signal(SIGKILL)
                takeover = try await Self.moved(lease.name, from: owner.holder, since: .now, database: database).after
            }
            print("ScaleOutTests: the household's node (\(owner.holder)) killed; the household moved \(takeover) later; \(killed)")
            #expect(takeover < .seconds(9), "the household moved \(takeover) after the kill")
            #expect((killed["lost"] as? [String])?.isEmpty == true, "acknowledged and lost: \(killed)")
            #expect((killed["acknowledged"] as? Int ?? 0) > 100, "\(killed)")
            for key in ["lamp_gaps", "switch_gaps"] {
                let gaps = killed[key] as? [Double] ?? []
                #expect(!gaps.isEmpty && gaps.allSatisfy { $0 < 10 }, "\(key): \(gaps)")
            }

            if (killed["lost"] as? [String])?.isEmpty != true || (killed["acknowledged"] as? Int ?? 0) <= 100 { printNodeLogs() }
            let survivor = nodes[(victim + 1) % 3]
            let verify = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["audit", "verify", "--data", survivor.folder.path, "--database", database.url])
            #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        }
    }
}
