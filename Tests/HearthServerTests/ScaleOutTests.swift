import Foundation
import HearthStore
import HearthTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three `hearth serve` processes on one PostgreSQL database behind haproxy in TCP mode
/// (docs/scale-out.md): TLS goes through to the nodes, any node answers for what another wrote,
/// and when the node holding a lease is killed (SIGKILL) under load, another takes the lease over
/// within the documented time, no acknowledged write is lost, and the audit log verifies.
@Suite(.requires(.haproxy)) struct ScaleOutTests {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A node: its process, data folder and HTTPS port.
    struct Node {
        let name: String
        let folder: URL
        let process: HearthProcess
        let port: Int
        let mqttPort: Int
    }

    /// `relay`: households' MQTT placed on nodes by lease, clients relayed to the household's node.
    static func serve(_ name: String, folder: URL, database: TestDatabase, kek: String?, relay: Bool = false) async throws -> Node {
        let process = try HearthProcess(
            ["serve", "--data", folder.path, "--database", database.url, "--listen", "127.0.0.1:0", "--node-name", name]
                + (relay ? ["--mqtt-relay-port", "0"] : []),
            environment: kek.map { ["HEARTH_KEK": $0] } ?? [:])
        return Node(
            name: name, folder: folder, process: process, port: try await process.waitForPort(), mqttPort: try await process.waitForMQTTPort())
    }

    /// haproxy in front of `nodes`' HTTPS ports, in TCP mode (the TLS is the nodes'), checking
    /// each node every 200 ms and sending a connection refused by a dead one to another; with its
    /// statistics as CSV on a port of their own.
    static func front(_ nodes: [Node], folder: URL) async throws -> (process: HearthProcess, port: Int, stats: Int, mqtt: Int) {
        let (port, stats, mqtt) = (try FreePort.tcp(), try FreePort.tcp(), try FreePort.tcp())
        let configuration = """
            global
                maxconn 1000
            defaults
                mode tcp
                timeout connect 2s
                timeout client 30s
                timeout server 30s
                retries 3
                option redispatch
            frontend https
                bind 127.0.0.1:\(port)
                default_backend nodes
            backend nodes
                balance roundrobin
            \(nodes.map { "    server \($0.name) 127.0.0.1:\($0.port) check inter 200ms fall 1 rise 2" }.joined(separator: "\n"))
            frontend mqtt
                bind 127.0.0.1:\(mqtt)
                timeout client 1h
                default_backend mqttnodes
            backend mqttnodes
                balance roundrobin
                timeout server 1h
            \(nodes.map { "    server \($0.name) 127.0.0.1:\($0.mqttPort) check inter 200ms fall 1 rise 2" }.joined(separator: "\n"))
            frontend stats
                mode http
                bind 127.0.0.1:\(stats)
                stats enable
                stats uri /stats
            """
        let file = folder.appendingPathComponent("haproxy.cfg")
        try Data((configuration + "\n").utf8).write(to: file)
        let process = try HearthProcess(executable: TestRequirement.haproxyPath, ["-db", "-f", file.path])
        // Listening once its statistics answer.
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let probe = try await ProcessRunner.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(stats)/stats;csv"])
            if probe.status == 0 { return (process, port, stats, mqtt) }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGKILL)
        throw Failure(description: "haproxy did not start: \(process.standardError)")
    }

    /// Sessions haproxy sent to each node so far, from its statistics.
    static func sessions(stats: Int) async throws -> [String: Int] {
        let csv = try await ProcessRunner.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(stats)/stats;csv"]).standardOutput
        var counts: [String: Int] = [:]
        for line in csv.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            // pxname, svname, …, stot (the 8th field): total sessions.
            guard fields.count > 7, fields[0] == "nodes", !["BACKEND", "FRONTEND"].contains(fields[1]) else { continue }
            counts[String(fields[1])] = Int(fields[7]) ?? 0
        }
        return counts
    }

    @Test func threeNodesBehindHAProxyAndALeaseMovesWhenItsHolderIsKilled() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await TestDatabase.with(.postgres) { database in
            let folders = (1...3).map { database.folder.appendingPathComponent("node\($0)") }
            let first = try await Self.serve("node1", folder: folders[0], database: database, kek: nil)
            let password = try await first.process.oneTimePassword()
            let kek = try Data(contentsOf: folders[0].appendingPathComponent("kek")).base64EncodedString()
            var nodes = [first]
            for index in 1..<3 { nodes.append(try await Self.serve("node\(index + 1)", folder: folders[index], database: database, kek: kek)) }
            defer { for node in nodes { node.process.signal(SIGKILL) } }
            let front = try await Self.front(nodes, folder: database.folder)
            defer { front.process.signal(SIGKILL) }
            let root = folders[0].appendingPathComponent("ca-root.pem").path
            let client = CurlClient(baseURL: "https://127.0.0.1:\(front.port)", caCertificatePath: root)

            // A session made through the front is good on every node it reaches: the TLS is the
            // node's own (curl verifies each against the hub's root), the state is the database's.
            let signIn = try await client.json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password])
            try #require(signIn.status == 201, "\(signIn.status) \(signIn.text)")
            let token = try #require(try signIn.json()["token"] as? String)
            for _ in 0..<6 {
                let me = try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"])
                #expect(me.status == 200, "\(me.status) \(me.text)")
            }
            let spread = try await Self.sessions(stats: front.stats)
            #expect(spread.count == 3 && spread.values.allSatisfy { $0 >= 2 }, "haproxy's sessions per node: \(spread)")

            // A certificate revoked through one node's API ends the session of its device connected
            // to another node within a second (the nodes are told at commit).
            let lamp = try await Self.device("lamp", hub: folders[0], database: database)
            // Its certificate goes through haproxy to whichever node answers: each knows the device.
            for _ in 0..<3 {
                let own = try await ProcessRunner.run("/usr/bin/curl", [
                    "-sS", "--cacert", root, "--cert", lamp.chain, "--key", lamp.key, "https://127.0.0.1:\(front.port)/v1/device",
                ])
                #expect(own.standardOutput.contains(lamp.id), "\(own.standardOutput)\(own.standardError)")
            }
            var config: [String: Any] = ["port": nodes[2].mqttPort, "ca": root]
            config["clients"] = ["lamp": ["cert": lamp.chain, "key": lamp.key, "id": lamp.id]]
            config["client"] = "lamp"
            config["protocol"] = 5
            config["subscribe"] = "devices/\(lamp.id)/cmd/#"
            let session = try Paho.wait(config, folder: database.folder, name: "lamp")
            defer { session.process.signal(SIGKILL) }
            try await session.connected()
            let revoke = try await CurlClient(baseURL: "https://127.0.0.1:\(nodes[1].port)", caCertificatePath: root)
                .json("POST", "/v1/pki/certificates/\(lamp.serial)/revoke", ["reason": "key-compromise"], headers: ["Authorization": "Bearer \(token)"])
            let revokedAt = Date().timeIntervalSince1970
            #expect(revoke.status == 200, "\(revoke.status) \(revoke.text)")
            let cut = try #require(try await session.cutOff(), "the device on node 3 was not cut off")
            let delay = cut.time - revokedAt
            print(String(format: "ScaleOutTests: revoked on node 2, the device on node 3 was cut off %.3f s after the answer", delay))
            #expect(delay < 1.0, "cut off \(delay) s after the revocation")
            #expect(cut.reasonCode == 135, "\(cut)")

            // Who holds the audit checkpointer's lease; the test's own connections watch it.
            let (holder, final, taken, takeover, acknowledged) = try await database.withStore { store in
                let holder = try await Self.waitForHolder(of: "audit checkpoint", in: store, other: nil)
                let victim = try #require(nodes.firstIndex { $0.name == holder.holder })

                // Writers sign in through the front; the holder is killed while they are mid-flight.
                let acknowledged = AcknowledgedTokens()
                let writersStop = ContinuousClock.now + .seconds(4)
                let (killed, final) = try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<3 {
                        group.addTask {
                            while ContinuousClock.now < writersStop {
                                guard let response = try? await client.json(
                                    "POST", "/v1/session", ["email": "owner@home.arpa", "password": password]),
                                    response.status == 201, let token = try? response.json()["token"] as? String
                                else { continue }
                                _ = await acknowledged.append(token)
                            }
                        }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    nodes[victim].process.signal(SIGKILL)
                    let killed = ContinuousClock.now
                    // The expiry the holder's last renewal left: that renewal's time plus 6 s.
                    let final = try await store.read { db in try await db.leases.all() }.first { $0.name == "audit checkpoint" }
                    try await group.waitForAll()
                    return (killed, final)
                }
                let taken = try await Self.waitForHolder(of: "audit checkpoint", in: store, other: holder.holder)
                return (holder, final, taken, ContinuousClock.now - killed, acknowledged)
            }
            _ = try await nodes.first { $0.name == holder.holder }?.process.waitForExit()

            // The lease moves within 4/3 of its duration (6 s) after the holder's last renewal.
            let lastRenewal = try #require(final, "the lease vanished")
            try #require(lastRenewal.holder == holder.holder, "the lease had moved before the kill: \(lastRenewal)")
            let sinceRenewal = taken.expiresAt.timeIntervalSince(lastRenewal.expiresAt)
            #expect(taken.fence > holder.fence)
            #expect(sinceRenewal <= 8.5, "the lease moved \(sinceRenewal) s after its holder's last renewal")
            #expect(takeover < .seconds(9), "the lease moved \(takeover) after the kill")
            print(String(
                format: "ScaleOutTests: the audit checkpoint's lease moved from %@ to %@ %.2f s after SIGKILL, %.2f s after the killed holder's last renewal (%.2f s after its expiry)",
                holder.holder, taken.holder, Double(takeover.components.seconds) + Double(takeover.components.attoseconds) / 1e18,
                sinceRenewal, sinceRenewal - 6))

            // Every acknowledged session is there, through the front (the dead node is out of it).
            let tokens = await acknowledged.tokens
            #expect(tokens.count >= 3, "\(tokens.count) sign-ins acknowledged")
            for token in tokens {
                let me = try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"])
                #expect(me.status == 200, "an acknowledged session was lost: \(me.status)")
            }

            // The new holder signs the log's head; the log verifies from any node's folder.
            let size = try await database.withStore { store in try await store.read { db in try await db.audit.size() } }
            try await eventually("the new holder signs a checkpoint of the head") {
                try await database.withStore { store in
                    try await store.read { db in try await db.audit.latestCheckpoint() }.map { $0.size >= size } ?? false
                }
            }
            let victim = try #require(nodes.firstIndex { $0.name == holder.holder })
            let survivor = nodes[(victim + 1) % 3]
            let verify = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["audit", "verify", "--data", survivor.folder.path, "--database", database.url])
            #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
            #expect(verify.standardOutput.contains("audit log intact"), "\(verify.standardOutput)")

            // The killed node, started again, rejoins without anyone's help: it answers at once,
            // and the lease stays where it went.
            nodes[victim] = try await Self.serve(
                "\(nodes[victim].name)-again", folder: nodes[victim].folder, database: database, kek: kek)
            let direct = CurlClient(baseURL: "https://127.0.0.1:\(nodes[victim].port)", caCertificatePath: root)
            #expect(try await direct.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"]).status == 200)
            let status = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["status", "--data", survivor.folder.path, "--database", database.url])
            #expect(status.standardOutput.contains("  audit checkpoint: \(taken.holder) (fence \(taken.fence), for "), "\(status.standardOutput)")

            // A node stopped with SIGTERM gives its leases up as it exits: another node takes them
            // at its next renewal round, within 2 s, not at their expiry.
            let stopping = try #require(nodes.first { $0.name == taken.holder })
            stopping.process.signal(SIGTERM)
            #expect(try await stopping.process.waitForExit() == 0)
            let exited = ContinuousClock.now
            let handed = try await database.withStore { store in
                try await Self.waitForHolder(of: "audit checkpoint", in: store, other: taken.holder)
            }
            let handover = ContinuousClock.now - exited
            #expect(handover < .seconds(3), "the lease moved \(handover) after its holder exited")
            print("ScaleOutTests: after SIGTERM, \(handed.holder) held the lease \(handover) after \(taken.holder) exited")
        }
    }

    /// A network namespace of the test's own, joined to the test's by a veth link: a node inside
    /// reaches PostgreSQL only through the link (a haproxy on the test's end forwards to the
    /// server on 127.0.0.1), and `ip link set down` at its end cuts it off.
    struct Namespace {
        let name: String
        let link: String
        let hostAddress: String

        static let ip = "/usr/sbin/ip"

        static func create(_ index: Int) async throws -> Namespace {
            let tag = "hso\(getpid() % 100_000)\(index)"
            let namespace = Namespace(name: tag, link: tag + "n", hostAddress: "10.213.\(index).1")
            namespace.remove()
            for arguments in [
                ["netns", "add", tag], ["link", "add", tag + "h", "type", "veth", "peer", "name", namespace.link],
                ["link", "set", namespace.link, "netns", tag], ["addr", "add", namespace.hostAddress + "/30", "dev", tag + "h"],
                ["link", "set", tag + "h", "up"], ["-n", tag, "addr", "add", "10.213.\(index).2/30", "dev", namespace.link],
                ["-n", tag, "link", "set", namespace.link, "up"], ["-n", tag, "link", "set", "lo", "up"],
            ] {
                let result = try await ProcessRunner.run(ip, arguments)
                guard result.status == 0 else {
                    namespace.remove()
                    throw Failure(description: "ip \(arguments.joined(separator: " ")): \(result.standardError)")
                }
            }
            return namespace
        }

        /// Cuts the node off (`false`: joins it again).
        func link(up: Bool) async throws {
            let result = try await ProcessRunner.run(Self.ip, ["-n", name, "link", "set", link, up ? "up" : "down"])
            guard result.status == 0 else { throw Failure(description: "ip link set: \(result.standardError)") }
        }

        /// Deletes the namespace, and with it the link and its addresses.
        func remove() {
            // Synchronous, for a `defer`; the name is the test's own, made of letters and digits.
            _ = system("\(Self.ip) netns delete \(name) 2>/dev/null")
        }
    }

    /// A node in its own namespace, cut off from PostgreSQL: it stops counting on its leases
    /// before another node may take them, the other takes them within the documented time, and
    /// when the link is back the node serves again by itself and leaves the leases where they went.
    @Test(.requires(.superuser, .command("ip")))
    func aNodeCutOffFromTheDatabaseLosesItsLeasesAndRejoinsWhenHealed() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await TestDatabase.with(.postgres) { database in
            let namespace = try await Namespace.create(Int(getpid() % 200) + 20)
            defer { namespace.remove() }
            // The database as the namespace sees it: haproxy on the link's near end.
            let (forwarder, insideURL) = try ScaleOutCluster.databaseForwarder(database, on: namespace.hostAddress)
            defer { forwarder.signal(SIGKILL) }

            // Node A, inside, starts first and so takes every lease; node B joins from outside.
            let folderA = database.folder.appendingPathComponent("nodeA")
            let nodeA = try HearthProcess(executable: Namespace.ip, [
                "netns", "exec", namespace.name, HearthProcess.binaryPath, "serve", "--data", folderA.path, "--database", insideURL,
                "--listen", "127.0.0.1:0", "--mqtt-listen", "off", "--node-name", "nodeA",
            ])
            defer { nodeA.signal(SIGKILL) }
            let portA = try await nodeA.waitForPort()
            let password = try await nodeA.oneTimePassword()
            let kek = try Data(contentsOf: folderA.appendingPathComponent("kek")).base64EncodedString()
            let nodeB = try await Self.serve("nodeB", folder: database.folder.appendingPathComponent("nodeB"), database: database, kek: kek)
            defer { nodeB.process.signal(SIGKILL) }
            // A request inside the namespace, to node A.
            func askA(_ path: String, token: String) async throws -> Int32 {
                let result = try await ProcessRunner.run(Namespace.ip, [
                    "netns", "exec", namespace.name, "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                    "--cacert", folderA.appendingPathComponent("ca-root.pem").path, "-H", "Authorization: Bearer \(token)",
                    "https://127.0.0.1:\(portA)\(path)",
                ])
                return Int32(result.standardOutput) ?? 0
            }
            let client = CurlClient(
                baseURL: "https://127.0.0.1:\(nodeB.port)", caCertificatePath: folderA.appendingPathComponent("ca-root.pem").path)
            let signIn = try await client.json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password])
            let token = try #require(try signIn.json()["token"] as? String, "\(signIn.text)")
            #expect(try await askA("/v1/me", token: token) == 200)

            try await database.withStore { store in
                let held = try await Self.waitForHolder(of: "audit checkpoint", in: store, other: nil)
                #expect(held.holder == "nodeA", "\(held)")
                let before = try await store.read { db in try await db.leases.all() }
                #expect(before.allSatisfy { $0.holder == "nodeA" }, "\(before.map { "\($0.name): \($0.holder)" })")

                try await namespace.link(up: false)
                let cut = ContinuousClock.now
                let taken = try await Self.waitForHolder(of: "audit checkpoint", in: store, other: "nodeA")
                let takeover = ContinuousClock.now - cut
                #expect(taken.holder == nodeB.name && taken.fence > held.fence)
                #expect(takeover < .seconds(9), "the lease moved \(takeover) after the cut")
                print("ScaleOutTests: node A cut off; node B held the audit checkpoint's lease \(takeover) later")
                // Every lease node A held moves (each at its own expiry).
                try await eventually("every lease moves to node B", within: .seconds(12)) {
                    try await store.read { db in try await db.leases.all() }.allSatisfy { $0.holder == nodeB.name }
                }
                // Node B checkpoints the head meanwhile.
                _ = try await client.json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password])
                let size = try await store.read { db in try await db.audit.size() }
                try await eventually("node B checkpoints the head") {
                    try await store.read { db in try await db.audit.latestCheckpoint() }.map { $0.size >= size } ?? false
                }

                // Healed: node A answers again without anyone's help, and takes no lease back.
                try await namespace.link(up: true)
                try await eventually("node A answers again", within: .seconds(30), every: .milliseconds(500)) {
                    try await askA("/v1/me", token: token) == 200
                }
                try await Task.sleep(for: .seconds(3))
                let after = try await store.read { db in try await db.leases.all() }
                #expect(after.allSatisfy { $0.holder == nodeB.name }, "\(after.map { "\($0.name): \($0.holder)" })")
            }
            // Node A stopped counting on them by itself, not renewed in time.
            #expect(nodeA.standardError.contains("lease lapsed"), "\(nodeA.standardError.suffix(2000))")
            let verify = try await ProcessRunner.run(
                HearthProcess.binaryPath, ["audit", "verify", "--data", nodeB.folder.path, "--database", database.url])
            #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        }
    }

    /// A device's certificate issued with `hearth ca issue` (another process on the database), its
    /// key made by openssl.
    static func device(_ name: String, hub folder: URL, database: TestDatabase) async throws -> MQTTDevice {
        func path(_ suffix: String) -> String { database.folder.appendingPathComponent("\(name).\(suffix)").path }
        let (key, csr, chain) = (path("key"), path("csr"), path("pem"))
        for arguments in [
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key],
            ["req", "-new", "-key", key, "-subj", "/CN=\(name)", "-out", csr],
        ] {
            let made = try await ProcessRunner.run("/usr/bin/openssl", arguments)
            try #require(made.status == 0, "\(made.standardError)")
        }
        let issued = try await ProcessRunner.run(HearthProcess.binaryPath, [
            "ca", "issue", "--csr", csr, "--profile", "device", "--name", name, "--zone", "lighting",
            "--data", folder.path, "--database", database.url,
        ])
        try #require(issued.status == 0, "\(issued.standardError)")
        try Data(issued.standardOutput.utf8).write(to: URL(fileURLWithPath: chain))
        let id = try #require(issued.standardError.firstMatch(of: /\/device\/([A-Za-z0-9_-]{22})/).map { String($0.1) })
        let serial = try #require(issued.standardError.firstMatch(of: /issued serial ([0-9a-f]+)/).map { String($0.1) })
        return MQTTDevice(name: name, id: id, serial: serial, chain: chain, key: key)
    }

    /// The lease `name` once a holder other than `other` holds it (within 15 s).
    static func waitForHolder(of name: String, in store: Store, other: String?) async throws -> LeaseRecords.LeaseRow {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let now = Date()
            if let lease = try await store.read({ db in try await db.leases.all() }).first(where: { $0.name == name }),
               lease.holder != other, lease.expiresAt > now {
                return lease
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "no node other than \(other ?? "none") took the lease \(name) within 15 s")
    }
}
