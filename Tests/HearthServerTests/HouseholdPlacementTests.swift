import Foundation
import HearthBroker
import HearthCore
import HearthDetection
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// Two nodes on one PostgreSQL with their relay listeners (docs/scale-out.md): a household's MQTT
/// is served by the node holding its lease; a client reaching the other node is relayed there,
/// with every guarantee of one broker, and so is a message the hub itself sends from that node.
@Suite(.requires(.mosquittoClients, .pythonModule("paho.mqtt", "joserfc"))) struct HouseholdPlacementTests {
    @Test func aHouseholdIsServedByOneNodeAndReachedThroughTheOther() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await MessagingFixture.with(engine: .postgres, configure: {
            $0.mqttRelay = MQTTRelaySettings(host: "127.0.0.1", port: 0)
            // Long enough that a renewal starved by the whole suite on two cores does not move the
            // household mid-test (takeovers are ScaleOutTests', run alone).
            $0.leaseDuration = .seconds(60)
            // Every proven command goes through (holding unfamiliar ones is ProofOfPossessionTests').
            $0.detection?.commands.holdUnfamiliar = false
        }) { f in
            // Behind a load balancer both nodes are one issuer, as `--oauth-issuer` makes them.
            try await withTestHubNode(joining: f.hub, configure: { $0.oauthIssuer = f.issuer }) { second in
                let lamp = try await f.device("lamp", zone: "lighting")
                let wallSwitch = try await f.device("switch", zone: "lighting")
                let app = try await f.token("devices:read")
                let household = f.hub.householdID
                let lease = "mqtt:\(household)"

                // The lamp reaches the first node first (and so places the household there);
                // the switch and the app connect to the second node and are relayed. QoS 0/1/2,
                // retained messages, wills and persistent sessions behave as on one broker.
                var relayedSwitch = wallSwitch.paho
                relayedSwitch["port"] = "\(second.mqttPort)"
                let config = f.pahoConfig([
                    "lamp": lamp.paho, "switch": relayedSwitch, "app": ["token": app, "port": "\(second.mqttPort)"],
                ])
                let run = try await Paho.run("flows", config, folder: f.folder)
                #expect(run.status == 0, "paho flows across two nodes: \(run.text)")
                let holder = try await f.hub.store.read { db in try await db.hubNodes.holder(of: lease, at: db.clock.now) }
                #expect(holder?.node == f.hub.configuration.nodeName, "\(String(describing: holder))")
                #expect(f.hub.services.broker?.servesHere(household) == true)
                #expect(second.services.broker?.servesHere(household) == false)

                // A message the hub sends from the node that does not serve the household (a
                // firmware offer, an approved command) reaches the device on the one that does.
                let subscription = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"])
                defer { subscription.process.signal(SIGKILL) }
                #expect(subscription.granted == [1], "\(subscription.process.standardOutput)")
                second.services.broker?.publishFromHub(
                    topic: "devices/\(lamp.id)/cmd/update", payload: Array("offer-from-node-2".utf8), household: household,
                    publisher: "hub:test")
                #expect(try await subscription.waitForMessage("offer-from-node-2") != nil, "\(second.logs.all.suffix(20))")

                // Proof of possession through the relay: the lock on the first node, the apps on the
                // second. The second node checks a DPoP proof's replay (for both nodes: the `jti`s
                // are in the database), the first trusts that check and verifies the rest.
                let lock = try await f.device("lock", zone: "security")
                var possession = try await ProofOfPossessionTests.possessionClients(f, lock: lock)
                for name in ["bearer", "dpop", "certificate"] { possession[name]?["port"] = "\(second.mqttPort)" }
                var possessionConfig = f.pahoConfig(possession)
                possessionConfig["broker_url"] = "mqtts://127.0.0.1:\(second.mqttPort)"
                ProofOfPossessionTests.expectOnlyProvenCommands(try await Paho.run("possession", possessionConfig, folder: f.folder))

                // What is not another node's preamble is refused on the relay listener, with nothing served.
                let address = try #require(holder?.relayAddress)
                let stranger = try await ProcessRunner.run("/usr/bin/env", [
                    "python3", "-c", Self.stranger, address, f.hub.certificatePath,
                ])
                #expect(stranger.standardOutput.contains("closed"), "\(stranger.standardOutput)\(stranger.standardError)")
                try await eventually("the refusal is logged") { f.hub.logs.all.contains { $0.contains("refused a relay link") } }
            }
        }
    }

    /// A node without a relay port joining nodes that have one would split the households: it says so.
    @Test func aNodeWithoutARelayPortAmongNodesWithOneSaysSo() async throws {
        try await TestRequirement.check(TestEngine.postgres.requirements)
        try await withTestHub(engine: .postgres, configure: { $0.mqttRelay = MQTTRelaySettings(host: "127.0.0.1", port: 0) }) { hub in
            try await withTestHubNode(joining: hub, configure: { $0.mqttRelay = nil }) { node in
                #expect(node.logs.all.contains { $0.contains("this one has no relay port") })
            }
            try await withTestHubNode(joining: hub) { node in
                #expect(!node.logs.all.contains { $0.contains("this one has no relay port") })
            }
        }
    }

    /// TLS to the relay listener (as any client may), then a preamble with a MAC made without the KEK.
    static let stranger = """
        import socket, ssl, struct, sys
        host, port = sys.argv[1].rsplit(":", 1)
        context = ssl.create_default_context(cafile=sys.argv[2])
        context.check_hostname = False
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with context.wrap_socket(raw) as tls:
                body = b'{"certificateChain":[],"issuedAt":0}'
                tls.sendall(b"HRL1" + struct.pack(">I", len(body)) + body + bytes(32) + b"\\x10\\x00")
                try:
                    print("closed" if tls.recv(100) == b"" else "answered")
                except (ConnectionResetError, ssl.SSLError):
                    print("closed")
        """
}
