import Crypto
import Foundation
import HearthBroker
import HearthCore
import HearthHub
import HearthServer
import HearthTesting
import Testing

/// The MQTT broker with clients nobody here wrote — mosquitto_pub/mosquitto_sub and Eclipse Paho
/// (scripts/test-tools/mqtt_interop.py) — as devices with their certificates and as apps with
/// access tokens: QoS 0, 1 and 2 in MQTT 3.1.1 and 5, retained messages, last wills, persistent
/// sessions; what the policy refuses, and that the refusals are audited; households as separate
/// namespaces; live sessions cut off within a second of a revocation, quarantine, move or token
/// revocation made by the CLI or the API; malformed input and silent clients.
///
/// Every refusal is shown next to the same request succeeding in one respect less, and "nothing
/// arrived" is checked after a sentinel message that the same subscriber does receive, so that it
/// does not rest on a timeout.
// Serialized: the cut-off and keep-alive checks measure time, and each test runs a hub with
// dozens of client processes.
@Suite(.serialized, .requires(.mosquittoClients, .pythonModule("paho.mqtt"))) struct MQTTInteropTests {
    typealias Workspace = PKILifecycleTests.Workspace

    // MARK: - 1. devices with mosquitto_pub / mosquitto_sub

    /// A lighting switch commands a lighting lamp at QoS 0, 1 and 2 in both protocol versions;
    /// what a device may not publish (another's state, a command across zones or to itself, `$`
    /// topics) is refused with PUBACK/PUBREC 0x87 in MQTT 5 and dropped after a normal
    /// acknowledgement in 3.1.1; what it may not subscribe to gets SUBACK 0x80 / 0x87.
    @Test(arguments: TestEngine.allCases)
    func devicesCommandEachOtherWithinTheirZoneOnly(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await MessagingFixture.with(engine: engine) { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let sensor = try await f.device("sensor")
            let command = "devices/\(lamp.id)/cmd/power"

            // QoS 0 last: the first command a hub routes waits longest for the target's record, and a
            // QoS 0 command that mosquitto_pub follows at once with DISCONNECT can lose that race (see
            // lastMessagesBeforeDisconnectAreDeliveredAndSendNoWill).
            for version in MosquittoClient.Version.allCases {
                for qos in [1, 2, 0] {
                    let listener = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"], qos: 2, version: version, count: 1)
                    #expect(listener.granted == [2], "\(version): \(listener.output)")
                    let payload = "on-\(version.rawValue)-q\(qos)"
                    let sent = try await f.mosquitto(wallSwitch).publish(command, payload, qos: qos, version: version)
                    #expect(sent.status == 0 && !sent.refused, "\(version) q\(qos): \(sent)")
                    if qos > 0 { #expect(sent.acknowledgement == 0, "\(version) q\(qos): \(sent)") }
                    let received = try await listener.waitForMessage(payload)
                    #expect(received == MosquittoClient.Message(topic: command, qos: qos, retained: false, payload: payload),
                            "\(version) q\(qos): \(listener.output)")
                    #expect(await listener.exitStatus() == 0, "\(version) q\(qos): \(listener.output)")
                }
            }

            // Watchers that must see nothing but the sentinels: the lamp's commands, and every state.
            let app = try await f.token("devices:read")
            let lampCommands = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"])
            let states = try await f.mosquitto(token: app).subscribe(["devices/+/state"])
            #expect(lampCommands.granted == [1] && states.granted == [1], "\(lampCommands.output)\(states.output)")
            let refusals: [(String, MosquittoClient, String, Int, MosquittoClient.Version)] = [
                ("a default-zone device commands a lighting lamp", f.mosquitto(sensor), command, 1, .v5),
                ("… at QoS 2", f.mosquitto(sensor), command, 2, .v5),
                ("a device publishes another's state", f.mosquitto(sensor), "devices/\(lamp.id)/state", 1, .v5),
                ("a lighting device commands a default-zone device", f.mosquitto(wallSwitch), "devices/\(sensor.id)/cmd/power", 1, .v5),
                ("a device commands itself", f.mosquitto(sensor), "devices/\(sensor.id)/cmd/power", 1, .v5),
                ("a device publishes under $SYS", f.mosquitto(sensor), "$SYS/broker/clients", 1, .v5),
                ("a device publishes outside devices/", f.mosquitto(sensor), "home/state", 1, .v5),
            ]
            for (what, client, topic, qos, version) in refusals {
                let refused = try await client.publish(topic, "forged", qos: qos, version: version)
                #expect(refused.refused, "\(what): \(refused)")
                if qos == 1 { #expect(refused.acknowledgement == 135, "\(what): \(refused)") }
                #expect(refused.output.contains("received PUB\(qos == 1 ? "ACK" : "REC") (Mid: 1"), "\(what): \(refused)")
            }
            // MQTT 3.1.1 cannot say "not authorized" in an acknowledgement: a normal one, then nothing.
            for qos in 1...2 {
                let dropped = try await f.mosquitto(sensor).publish(command, "forged", qos: qos, version: .v311)
                #expect(dropped.status == 0 && !dropped.refused && dropped.acknowledgement == 0, "3.1.1 q\(qos): \(dropped)")
            }
            let sentinel = try await f.mosquitto(wallSwitch).publish(command, "sentinel", qos: 1)
            #expect(sentinel.acknowledgement == 0, "\(sentinel)")
            // (From the switch: a second connection of the lamp would take its session over.)
            _ = try await f.mosquitto(wallSwitch).publish("devices/\(wallSwitch.id)/state", "sentinel", qos: 1)
            #expect(try await lampCommands.waitForMessage("sentinel") != nil, "\(lampCommands.output)")
            #expect(try await states.waitForMessage("sentinel") != nil, "\(states.output)")
            #expect(lampCommands.messages.map(\.payload) == ["sentinel"], "the lamp received \(lampCommands.messages)")
            #expect(states.messages.map(\.payload) == ["sentinel"], "the app received \(states.messages)")
            try await lampCommands.stop()
            try await states.stop()

            // Subscriptions: only a device's own commands.
            let filters = ["#", "devices/\(lamp.id)/cmd/#", "devices/+/state", "devices/\(sensor.id)/#", "$SYS/#"]
            for (version, code) in [(MosquittoClient.Version.v311, 128), (.v5, 135)] {
                let refused = try await f.mosquitto(sensor).subscribe(filters, version: version)
                #expect(refused.granted == Array(repeating: code, count: filters.count), "\(version): \(refused.output)")
                #expect(await refused.exitStatus() == 0, "\(refused.output)")
                #expect(refused.output.contains("All subscription requests were denied"), "\(refused.output)")
                let mixed = try await f.mosquitto(sensor).subscribe(["devices/\(sensor.id)/cmd/#", "#"], version: version)
                #expect(mixed.granted == [1, code], "\(version): \(mixed.output)")
                try await mixed.stop()
            }

            // A device connects as itself only: another device's id as client identifier, or a
            // last will on another device's topic, is refused at CONNECT.
            let impostor = try await f.mosquitto(sensor, clientID: lamp.id).publish("devices/\(sensor.id)/state", "x")
            #expect(impostor.connack == 133 && impostor.status == 133, "\(impostor)")
            let impostor311 = try await f.mosquitto(sensor, clientID: lamp.id).publish("devices/\(sensor.id)/state", "x", version: .v311)
            #expect(impostor311.connack == 2, "\(impostor311)")
            let will = try await f.mosquitto(sensor).subscribe(
                ["devices/\(sensor.id)/cmd/#"], extra: ["--will-topic", "devices/\(lamp.id)/availability", "--will-payload", "gone"])
            #expect(will.connack == 135 && will.granted.isEmpty, "\(will.output)")
            let ownWill = try await f.mosquitto(sensor).subscribe(
                ["devices/\(sensor.id)/cmd/#"], extra: ["--will-topic", "devices/\(sensor.id)/availability", "--will-payload", "gone"])
            #expect(ownWill.connack == 0 && ownWill.granted == [1], "\(ownWill.output)")
            try await ownWill.stop()
        }
    }

    // MARK: - 2. apps with access tokens

    /// An app's access token is its MQTT password: `devices:read` reads state (the retained one
    /// at once), `devices:control:lighting` commands active lighting devices and nothing else; an
    /// app's session is its own whatever client identifier it picks; a token without a messaging
    /// scope, a DPoP-bound one, a forged one or none is refused at CONNECT.
    @Test func appsConnectWithAccessTokensAndActWithinTheirScopes() async throws {
        try await MessagingFixture.with { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let sensor = try await f.device("sensor")
            let app = try await f.token("devices:read devices:control:lighting")

            let retained = try await f.mosquitto(lamp).publish("devices/\(lamp.id)/state", "lamp-is-on", qos: 1, retain: true)
            #expect(retained.acknowledgement == 0, "\(retained)")
            for version in MosquittoClient.Version.allCases {
                let reader = try await f.mosquitto(token: app).subscribe(["devices/+/state"], version: version, count: 1)
                #expect(reader.granted == [1], "\(version): \(reader.output)")
                let state = try await reader.waitForMessage("lamp-is-on")
                #expect(state == MosquittoClient.Message(
                    topic: "devices/\(lamp.id)/state", qos: 1, retained: true, payload: "lamp-is-on"), "\(version): \(reader.output)")
                #expect(await reader.exitStatus() == 0, "\(version): \(reader.output)")
            }

            let lampCommands = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"])
            let sensorCommands = try await f.mosquitto(sensor).subscribe(["devices/\(sensor.id)/cmd/#"])
            // An app that names itself with the lamp's id gets a session of its own: the lamp's
            // stays (it receives the commands below).
            let namesake = MosquittoClient(
                port: f.hub.mqttPort, caFile: f.hub.certificatePath, credential: .token(app), clientID: lamp.id)
            #expect(try await namesake.publish("devices/\(lamp.id)/cmd/power", "namesake").acknowledgement == 0)
            for version in MosquittoClient.Version.allCases {
                let allowed = try await f.mosquitto(token: app).publish("devices/\(lamp.id)/cmd/power", "app-\(version.rawValue)", version: version)
                #expect(allowed.acknowledgement == 0 && !allowed.refused, "\(version): \(allowed)")
                #expect(try await lampCommands.waitForMessage("app-\(version.rawValue)") != nil, "\(version): \(lampCommands.output)")
            }
            let otherZone = try await f.mosquitto(token: app).publish("devices/\(sensor.id)/cmd/power", "forged")
            #expect(otherZone.refused && otherZone.acknowledgement == 135, "\(otherZone)")
            let otherZone311 = try await f.mosquitto(token: app).publish("devices/\(sensor.id)/cmd/power", "forged", version: .v311)
            #expect(otherZone311.acknowledgement == 0 && !otherZone311.refused, "\(otherZone311)")
            let notACommand = try await f.mosquitto(token: app).publish("devices/\(lamp.id)/state", "forged")
            #expect(notACommand.acknowledgement == 135, "apps publish commands only: \(notACommand)")
            let unknown = try await f.mosquitto(token: app).publish("devices/\(DeviceID())/cmd/power", "forged")
            #expect(unknown.acknowledgement == 135, "\(unknown)")
            // The sentinel comes from an app allowed to command the default zone.
            let controller = try await f.token("devices:control:default")
            let sentinel = try await f.mosquitto(token: controller).publish("devices/\(sensor.id)/cmd/power", "sentinel")
            #expect(sentinel.acknowledgement == 0, "\(sentinel)")
            #expect(try await sensorCommands.waitForMessage("sentinel") != nil, "\(sensorCommands.output)")
            #expect(sensorCommands.messages.map(\.payload) == ["sentinel"], "the sensor received \(sensorCommands.messages)")
            #expect(lampCommands.messages.map(\.payload) == ["namesake", "app-mqttv311", "app-mqttv5"], "\(lampCommands.messages)")
            try await lampCommands.stop()
            try await sensorCommands.stop()

            // Subscriptions within the scopes only: devices:read is state and availability.
            let filters = [
                "devices/\(lamp.id)/state", "devices/+/availability", "devices/+/cmd/#", "#", "+/+/state", "devices/+/+",
                "devices/#", "devices/+/telemetry/energy", "$SYS/#",
            ]
            for (version, code) in [(MosquittoClient.Version.v311, 128), (.v5, 135)] {
                let subscription = try await f.mosquitto(token: app).subscribe(filters, version: version)
                #expect(subscription.granted == [1, 1] + Array(repeating: code, count: filters.count - 2),
                        "\(version): \(subscription.output)")
                try await subscription.stop()
            }

            // Only active devices take commands: a quarantined lamp is refused to the app — within
            // the second of a live cut-off (the broker caches command targets' records until the
            // access watch sees the change).
            let quarantine = try await f.hub.client.json(
                "POST", "/v1/devices/\(lamp.id)/quarantine", ["reason": "testing"], headers: PKITools.bearer(f.owner))
            #expect(quarantine.status == 200, "\(quarantine.text)")
            let quarantinedAt = ContinuousClock.now
            var accepted = 0
            var refusedFrom: Duration?
            while refusedFrom == nil, ContinuousClock.now - quarantinedAt < .seconds(3) {
                let attempt = ContinuousClock.now - quarantinedAt
                let toQuarantined = try await f.mosquitto(token: app).publish("devices/\(lamp.id)/cmd/power", "late")
                if toQuarantined.acknowledgement == 135 { refusedFrom = attempt } else { accepted += 1 }
            }
            print("MQTT: commands to a quarantined device refused from \(refusedFrom.map { "\($0)" } ?? "never") after the "
                + "quarantine; \(accepted) accepted before")
            #expect(refusedFrom.map { $0 < .seconds(1) } == true, "commands to the quarantined lamp accepted for \(refusedFrom.map { "\($0)" } ?? "3 s")")

            // CONNECT refusals: CONNACK 0x87 / 5 (not authorized), 0x86 / 4 (bad user name or password).
            let noMessagingScope = try await f.token("devices:manage")
            let dpopBound = try await f.oauth.dpopToken(.init())
            let cases: [(String, MosquittoClient, Int, Int)] = [
                ("a token without a messaging scope", f.mosquitto(token: noMessagingScope), 135, 5),
                ("a DPoP-bound token", f.mosquitto(token: dpopBound), 135, 5),
                ("a password that is no token", f.mosquitto(token: "not-a-token"), 134, 4),
                ("a token signed by nobody we know", f.mosquitto(token: Self.forgedToken(from: app)), 134, 4),
                ("no credential at all", MosquittoClient(port: f.hub.mqttPort, caFile: f.hub.certificatePath, credential: .anonymous), 135, 5),
            ]
            for (what, client, v5, v311) in cases {
                let refused = try await client.publish("devices/\(lamp.id)/cmd/power", "x")
                #expect(refused.connack == v5 && refused.status == Int32(v5), "\(what), MQTT 5: \(refused)")
                let refused311 = try await client.publish("devices/\(lamp.id)/cmd/power", "x", version: .v311)
                #expect(refused311.connack == v311 && refused311.status == Int32(v311), "\(what), 3.1.1: \(refused311)")
            }
        }
    }

    // MARK: - 3. households

    /// A second household's device and app see their own household only: `#` and another
    /// household's device topics are refused to the device; the app's `devices/+/state` (granted:
    /// it names its own household's devices) never delivers the first household's messages,
    /// retained or live; commands across households are refused as unknown devices.
    @Test func householdsAreSeparateNamespaces() async throws {
        try await MessagingFixture.with { f in
            // Each device has one session: the lamps only listen, other devices talk.
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let heater = try await f.device("heater")
            let app = try await f.token("devices:read devices:control:lighting")
            let neighbours = try await f.secondHousehold()
            let theirLamp = try await f.device("their-lamp", zone: "lighting", owner: neighbours.owner)
            let theirSensor = try await f.device("their-sensor", owner: neighbours.owner)
            let theirApp = try await f.token(
                "devices:read devices:control:lighting", app: neighbours.app, as: (neighbours.email, neighbours.password))

            let retained = try await f.mosquitto(heater).publish("devices/\(heater.id)/state", "ours-retained", retain: true)
            #expect(retained.acknowledgement == 0, "\(retained)")
            let ourStates = try await f.mosquitto(token: app).subscribe(["devices/+/state", "devices/+/availability"])
            let theirStates = try await f.mosquitto(token: theirApp).subscribe(
                ["devices/+/state", "devices/+/availability", "devices/\(heater.id)/state"])
            #expect(theirStates.granted == [1, 1, 1], "in its own namespace the filter is allowed: \(theirStates.output)")
            let ourLampCommands = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"])
            let theirLampCommands = try await f.mosquitto(theirLamp).subscribe(["devices/\(theirLamp.id)/cmd/#"])
            #expect(try await ourStates.waitForMessage("ours-retained") != nil, "\(ourStates.output)")

            for version in MosquittoClient.Version.allCases {
                let code = version == .v5 ? 135 : 128
                let snooping = try await f.mosquitto(theirSensor).subscribe(
                    ["#", "devices/\(lamp.id)/cmd/#", "devices/\(heater.id)/state", "devices/+/state"], version: version)
                #expect(snooping.granted == [code, code, code, code], "\(version): \(snooping.output)")
                #expect(await snooping.exitStatus() == 0, "\(snooping.output)")
            }
            // Our household talks, live and retained, on every default topic (telemetry once its flow is declared).
            try await PrivacyRightsTests.declare(f, heater, PrivacyRightsTests.textFlow)
            for (topic, payload) in [
                ("devices/\(heater.id)/state", "ours-live"), ("devices/\(heater.id)/availability", "ours-online"),
                ("devices/\(heater.id)/telemetry/energy", #""ours-energy""#),
            ] {
                #expect(try await f.mosquitto(heater).publish(topic, payload, retain: true).acknowledgement == 0)
            }
            #expect(try await f.mosquitto(wallSwitch).publish("devices/\(lamp.id)/cmd/power", "ours-command").acknowledgement == 0)
            // Commands across households name no device of the sender's household.
            let across = try await f.mosquitto(wallSwitch).publish("devices/\(theirLamp.id)/cmd/power", "forged")
            #expect(across.acknowledgement == 135, "\(across)")
            let acrossApp = try await f.mosquitto(token: theirApp).publish("devices/\(lamp.id)/cmd/power", "forged")
            #expect(acrossApp.acknowledgement == 135, "\(acrossApp)")
            let acrossOurApp = try await f.mosquitto(token: app).publish("devices/\(theirLamp.id)/cmd/power", "forged")
            #expect(acrossOurApp.acknowledgement == 135, "\(acrossOurApp)")
            // A device cannot take another household's device id as its client identifier either.
            let impostor = try await f.mosquitto(theirSensor, clientID: lamp.id).publish("devices/\(theirSensor.id)/state", "x")
            #expect(impostor.connack == 133, "\(impostor)")

            // Sentinels, each household's own.
            #expect(try await f.mosquitto(theirSensor).publish("devices/\(theirSensor.id)/state", "theirs").acknowledgement == 0)
            #expect(try await f.mosquitto(token: theirApp).publish("devices/\(theirLamp.id)/cmd/power", "their-command")
                .acknowledgement == 0)
            #expect(try await f.mosquitto(wallSwitch).publish("devices/\(lamp.id)/cmd/power", "our-sentinel").acknowledgement == 0)
            #expect(try await theirStates.waitForMessage("theirs") != nil, "\(theirStates.output)")
            #expect(try await theirLampCommands.waitForMessage("their-command") != nil, "\(theirLampCommands.output)")
            #expect(try await ourLampCommands.waitForMessage("our-sentinel") != nil, "\(ourLampCommands.output)")
            #expect(try await ourStates.waitForMessage("ours-online") != nil, "\(ourStates.output)")

            #expect(theirStates.messages.map(\.payload) == ["theirs"], "the other household received \(theirStates.messages)")
            #expect(theirLampCommands.messages.map(\.payload) == ["their-command"], "\(theirLampCommands.messages)")
            #expect(ourLampCommands.messages.map(\.payload) == ["ours-command", "our-sentinel"], "\(ourLampCommands.messages)")
            #expect(!ourStates.messages.contains { $0.payload == "theirs" }, "\(ourStates.messages)")
            // A later subscriber of the other household gets none of our retained messages.
            let late = try await f.mosquitto(token: theirApp).subscribe(["devices/+/state", "devices/+/availability"])
            #expect(try await f.mosquitto(theirSensor).publish("devices/\(theirSensor.id)/availability", "late-sentinel")
                .acknowledgement == 0)
            #expect(try await late.waitForMessage("late-sentinel") != nil, "\(late.output)")
            #expect(late.messages.map(\.payload) == ["late-sentinel"], "retained across households: \(late.messages)")
            for subscription in [ourStates, theirStates, ourLampCommands, theirLampCommands, late] { try await subscription.stop() }
        }
    }

    // MARK: - 4. Paho

    /// Eclipse Paho, MQTT 3.1.1 and 5: QoS 0/1/2 round trips device → device and device → app,
    /// exactly once; a retained state for a later subscriber, and cleared; the lamp's last will
    /// reaching an app when its connection drops (and not after a clean DISCONNECT); a persistent
    /// session receiving the QoS 1 commands sent while it was offline.
    @Test func pahoRoundTripsRetainedWillsAndPersistentSessions() async throws {
        try await MessagingFixture.with { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let app = try await f.token("devices:read")
            let config = f.pahoConfig(["lamp": lamp.paho, "switch": wallSwitch.paho, "app": ["token": app]])
            let run = try await Paho.run("flows", config, folder: f.folder)
            #expect(run.status == 0, "paho flows: \(run.text)")
            for flow in ["qos", "retained", "will", "persistent"] {
                for version in ["v311", "v5"] {
                    #expect(run.report["\(flow)_\(version)"] as? String == "ok", "\(flow) \(version) did not run: \(run.text)")
                }
            }
            print("paho \(run.report["paho"] ?? "?"): last will delivered after \(run.report["will_latency_v311"] ?? "?") s (3.1.1), "
                + "\(run.report["will_latency_v5"] ?? "?") s (5)")
        }
    }

    // MARK: - 5. live cut-off

    /// `hearth serve` runs; the CLI, another process on the same data (SQLite file or PostgreSQL
    /// database), revokes a connected device's certificate, quarantines another and moves a third.
    /// Each live session ends within a second of the command's return (MQTT 5: DISCONNECT 0x87,
    /// or 0x98 for the move, after which the device connects again). The denials the broker
    /// counted are in the audit log, with their count, once the hub has stopped.
    @Test(arguments: TestEngine.allCases)
    func theCommandLineCutsOffLiveSessionsWithinASecond(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await TestDatabase.with(engine) { database in
            let space = try Workspace("mqtt-cutoff")
            defer { try? FileManager.default.removeItem(at: space.root) }
            let storeArguments = ["--data", space.data.path] + (engine == .postgres ? ["--database", database.url] : [])
            let serve = try HearthProcess(["serve", "--listen", "127.0.0.1:0", "--log-level", "warning"] + storeArguments)
            defer { serve.signal(SIGKILL) }
            _ = try await serve.waitForPort()
            let port = try await serve.waitForMQTTPort()

            func issue(_ name: String, zone: String) async throws -> MQTTDevice {
                try await space.makeCSR(name)
                let issued = try await space.run(
                    ["ca", "issue", "--csr", space.path("\(name).csr"), "--profile", "device", "--name", name, "--zone", zone],
                    database: database)
                try #require(issued.status == 0, "\(issued.standardError)")
                try Data(issued.standardOutput.utf8).write(to: URL(fileURLWithPath: space.path("\(name).pem")))
                let id = try #require(issued.standardError.firstMatch(of: /\/device\/([A-Za-z0-9_-]{22})/).map { String($0.1) })
                let serial = try #require(issued.standardError.firstMatch(of: /issued serial ([0-9a-f]+)/).map { String($0.1) })
                return MQTTDevice(name: name, id: id, serial: serial, chain: space.path("\(name).pem"), key: space.path("\(name).key"))
            }
            let lamp = try await issue("lamp", zone: "lighting")
            let sensor = try await issue("sensor", zone: "default")
            let wallSwitch = try await issue("switch", zone: "lighting")
            let meter = try await issue("meter", zone: "default")
            let base: [String: Any] = ["port": port, "ca": space.rootCertificate]
            func waiter(_ device: MQTTDevice, protocol version: Int) throws -> Paho.Waiter {
                var config = base
                config["clients"] = [device.name: device.paho]
                config["client"] = device.name
                config["protocol"] = version
                config["subscribe"] = "devices/\(device.id)/cmd/#"
                return try Paho.wait(config, folder: space.root, name: device.name)
            }
            let lampSession = try waiter(lamp, protocol: 5)
            let sensorSession = try waiter(sensor, protocol: 4)
            let switchSession = try waiter(wallSwitch, protocol: 5)
            for session in [lampSession, sensorSession, switchSession] { try await session.connected() }

            let revoked = try await space.run(["ca", "revoke", "--serial", lamp.serial, "--reason", "key-compromise"], database: database)
            let revokedAt = Date().timeIntervalSince1970
            #expect(revoked.status == 0, "\(revoked.standardError)")
            let lampCut = try await lampSession.cutOff()
            let quarantined = try await space.run(["devices", "quarantine", sensor.id, "--reason", "testing"], database: database)
            let quarantinedAt = Date().timeIntervalSince1970
            #expect(quarantined.status == 0, "\(quarantined.standardError)")
            let sensorCut = try await sensorSession.cutOff()
            let moved = try await space.run(["devices", "move", wallSwitch.id, "--zone", "default"], database: database)
            let movedAt = Date().timeIntervalSince1970
            #expect(moved.status == 0, "\(moved.standardError)")
            let switchCut = try await switchSession.cutOff()

            let cuts: [(String, Paho.Waiter.Cut?, Double, Int?)] = [
                ("revoked certificate (`hearth ca revoke`)", lampCut, revokedAt, 135),
                ("quarantined device (`hearth devices quarantine`, MQTT 3.1.1)", sensorCut, quarantinedAt, nil),
                ("moved device (`hearth devices move`)", switchCut, movedAt, 152),
            ]
            for (what, cut, at, code) in cuts {
                let cut = try #require(cut, "\(engine): the \(what) was not cut off")
                let delay = cut.time - at
                print("MQTT cut-off (\(engine), CLI): \(what) disconnected \(String(format: "%.3f", delay)) s after the command returned")
                #expect(delay < 1.0, "\(engine): the \(what) was cut off \(delay) s after the command returned")
                if let code { #expect(cut.reasonCode == code, "\(what): \(cut)") }
            }

            // After the cut-off: the revoked certificate fails at TLS, the quarantined device is
            // refused at CONNECT, the moved one connects again.
            let mosquitto = { (device: MQTTDevice) in
                MosquittoClient(port: port, caFile: space.rootCertificate, credential: .certificate(chain: device.chain, key: device.key))
            }
            let again = try await mosquitto(lamp).publish("devices/\(lamp.id)/state", "x")
            #expect(again.status != 0 && again.connack == nil, "\(again)")
            let quarantinedAgain = try await mosquitto(sensor).publish("devices/\(sensor.id)/state", "x")
            #expect(quarantinedAgain.connack == 135, "\(quarantinedAgain)")
            let movedAgain = try await mosquitto(wallSwitch).publish("devices/\(wallSwitch.id)/state", "x")
            #expect(movedAgain.connack == 0 && movedAgain.acknowledgement == 0, "\(movedAgain)")

            // Denials, three publishes and one subscription, are audited as counts when the hub stops.
            for _ in 0..<3 {
                #expect(try await mosquitto(meter).publish("devices/\(sensor.id)/state", "forged").acknowledgement == 135)
            }
            let snooping = try await mosquitto(meter).subscribe(["#"])
            #expect(snooping.granted == [135], "\(snooping.output)")
            serve.signal(SIGTERM)
            #expect(try await serve.waitForExit(timeout: .seconds(30)) == 0, "\(serve.standardError.suffix(2000))")
            let audit = try await space.run(["audit", "search", "--action", "mqtt.denied", "--json"], database: database)
            #expect(audit.status == 0, "\(audit.standardError)")
            let entries = audit.standardOutput.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            // One entry per client and kind in each 10 s window: a window may have split them.
            func denials(_ subject: String, _ action: PolicyAction) -> (count: Int, samples: Set<String>) {
                let details = entries.filter { $0["subject"] as? String == subject }.compactMap { $0["details"] as? [String: String] }
                    .filter { $0["action"] == action.rawValue }
                return (details.compactMap { $0["count"].flatMap(Int.init) }.reduce(0, +), Set(details.compactMap { $0["sample"] }))
            }
            let publishes = denials("device:\(meter.id)", .publishMessage)
            #expect(publishes.count == 3 && publishes.samples == ["devices/\(sensor.id)/state"], "\(entries)")
            #expect(denials("device:\(meter.id)", .subscribeMessages) == (1, ["#"]), "\(entries)")
            #expect(denials("device:\(sensor.id)", .connectMessaging).count == 1, "\(entries)")
        }
    }

    /// Through the API on an in-process hub: a certificate revoked, a device quarantined or
    /// decommissioned, an app's token revoked by the app (RFC 7009) or its grant by the owner —
    /// each live session ends within a second; an app's session also ends when its token expires.
    @Test func theAPICutsOffDevicesAndAppsWithinASecond() async throws {
        try await MessagingFixture.with { f in
            let bulb = try await f.device("bulb", zone: "lighting")
            let fan = try await f.device("fan")
            let plug = try await f.device("plug")
            let revocable = try await f.token("devices:read")
            let granted = try await f.token("devices:read devices:control:lighting")
            // A token that expires in four seconds: issued with the hub's clock set back.
            f.hub.clock.advance(by: -596)
            let expiring = try await f.token("devices:read")
            f.hub.clock.advance(by: 596)
            let expiresAt = (try OAuthInteropTests.claims(expiring)["exp"] as? Int).map(Double.init) ?? 0

            var clients = ["bulb": bulb.paho, "fan": fan.paho, "plug": plug.paho]
            clients["revocable"] = ["token": revocable]
            clients["granted"] = ["token": granted]
            clients["expiring"] = ["token": expiring]
            func waiter(_ name: String, protocol version: Int, subscribe: String) throws -> Paho.Waiter {
                var config = f.pahoConfig(clients)
                config["client"] = name
                config["protocol"] = version
                config["subscribe"] = subscribe
                return try Paho.wait(config, folder: f.folder, name: name)
            }
            let expiringSession = try waiter("expiring", protocol: 5, subscribe: "devices/+/state")
            let sessions = [
                try waiter("bulb", protocol: 5, subscribe: "devices/\(bulb.id)/cmd/#"),
                try waiter("fan", protocol: 5, subscribe: "devices/\(fan.id)/cmd/#"),
                try waiter("plug", protocol: 4, subscribe: "devices/\(plug.id)/cmd/#"),
                try waiter("revocable", protocol: 5, subscribe: "devices/+/state"),
                try waiter("granted", protocol: 4, subscribe: "devices/+/availability"),
            ]
            for session in sessions + [expiringSession] { try await session.connected() }

            let owner = PKITools.bearer(f.owner)
            let grants = try await f.hub.client.request("GET", "/v1/oauth/grants", headers: owner)
            let grant = try #require(
                (try grants.json()["grants"] as? [[String: Any]])?.first { ($0["scope"] as? String)?.contains("devices:control:lighting") == true }?["id"]
                    as? String, "\(grants.text)")
            let actions: [(String, Int?, () async throws -> Int)] = [
                ("revoked certificate (POST /v1/pki/certificates/…/revoke)", 135, {
                    try await f.hub.client.json("POST", "/v1/pki/certificates/\(bulb.serial)/revoke", ["reason": "key-compromise"], headers: owner).status
                }),
                ("quarantined device (POST /v1/devices/…/quarantine)", 135, {
                    try await f.hub.client.json("POST", "/v1/devices/\(fan.id)/quarantine", ["reason": "testing"], headers: owner).status
                }),
                ("decommissioned device (POST /v1/devices/…/decommission)", nil, {
                    try await f.hub.client.request("POST", "/v1/devices/\(plug.id)/decommission", headers: owner).status
                }),
                ("revoked access token (POST /oauth/revoke)", 135, {
                    try await f.oauth.send("POST", "/oauth/revoke", form: [("token", revocable), ("client_id", f.app)]).status
                }),
                ("revoked grant (DELETE /v1/oauth/grants/…)", nil, {
                    try await f.hub.client.request("DELETE", "/v1/oauth/grants/\(grant)", headers: owner).status
                }),
            ]
            for ((what, code, action), session) in zip(actions, sessions) {
                let status = try await action()
                let returnedAt = Date().timeIntervalSince1970
                #expect((200..<300).contains(status), "\(what): HTTP \(status)")
                let cut = try #require(try await session.cutOff(), "the \(what) was not cut off")
                let delay = cut.time - returnedAt
                print("MQTT cut-off (API): \(what) disconnected \(String(format: "%.3f", delay)) s after the response")
                #expect(delay < 1.0, "the \(what) was cut off \(delay) s after the response")
                if let code { #expect(cut.reasonCode == code, "\(what): \(cut)") }
            }
            // A revoked token cannot connect again.
            let again = try await f.mosquitto(token: revocable).publish("devices/\(bulb.id)/cmd/power", "x")
            #expect(again.connack == 134, "\(again)")

            let expired = try #require(try await expiringSession.cutOff(timeout: .seconds(30)), "the expiring token's session stayed")
            print("MQTT cut-off: a session ended \(String(format: "%.3f", expired.time - expiresAt)) s after its token expired")
            #expect(expired.time > expiresAt - 1 && expired.time < expiresAt + 1.5, "ended at \(expired.time), token exp \(expiresAt)")
            #expect(expired.reasonCode == 135, "\(expired)")
        }
    }

    /// A client may write its last PUBLISH and DISCONNECT together and close at once, as
    /// mosquitto_pub -q 0 does: every message received before the DISCONNECT is routed (a command
    /// to another device, which waits for that device's record; a retained state, which waits to
    /// be stored), and the DISCONNECT means no last will. A connection that closes while the
    /// broker is still deciding must cancel neither.
    @Test func lastMessagesBeforeDisconnectAreDeliveredAndSendNoWill() async throws {
        try await MessagingFixture.with { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let app = try await f.token("devices:read")
            var config = f.pahoConfig(["lamp": lamp.paho, "switch": wallSwitch.paho, "app": ["token": app]])
            config.merge(["rounds": 5, "count": 20]) { $1 }
            let run = try await Paho.run("pipelined", config, folder: f.folder)
            #expect(run.status == 0, "\(run.text)")
            let delivered = run.report["delivered_per_round"] as? [Int]
            #expect(delivered == Array(repeating: 20, count: 5), "QoS 0 commands delivered per round of 20: \(delivered ?? [])")
            let wills = run.report["wills_published"] as? [String]
            #expect(wills == [], "last wills published although the client sent DISCONNECT: \(wills ?? [])")
            #expect(run.report["retained_state"] as? String == "state-4", "the retained state kept: \(run.report["retained_state"] ?? "none")")
        }
    }

    // MARK: - 6. robustness

    /// Malformed, mutated and random MQTT over TLS (seeded, so a failure can be replayed): every
    /// connection is closed — at once when the bytes are plainly wrong — and the broker then
    /// serves as before. A client that sends CONNECT and then nothing is disconnected after one
    /// and a half keep-alives (MQTT 5: DISCONNECT 0x8D); one that never sends CONNECT, after the
    /// connect timeout.
    @Test func garbageAndSilentClientsAreClosedAndTheBrokerKeepsServing() async throws {
        try await MessagingFixture.with(configure: { $0.mqtt?.connectTimeout = .seconds(2) }) { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let app = try await f.token("devices:read")
            let clients = ["lamp": lamp.paho, "switch": wallSwitch.paho, "app": ["token": app]]
            let seed = Int(ProcessInfo.processInfo.environment["HEARTH_MQTT_GARBAGE_SEED"] ?? "") ?? 20_261_129
            var garbage = f.pahoConfig(clients)
            garbage.merge(["client": "lamp", "app": "app", "seed": seed, "count": 60, "deadline": 7, "prompt": 2]) { $1 }
            var idle = f.pahoConfig(clients)
            idle.merge([
                "client": "lamp", "second_client": "switch", "keepalive": 2, "deadline": 8,
                "cases": ["keepalive_v311", "keepalive_v5", "tls_without_connect", "tls_without_certificate_or_connect", "part_of_a_connect"],
            ]) { $1 }
            async let garbageRun = Paho.run("garbage", garbage, folder: f.folder)
            async let idleRun = Paho.run("idle", idle, folder: f.folder)
            let (mangled, silent) = try await (garbageRun, idleRun)

            #expect(mangled.status == 0, "garbage (seed \(seed)): \(mangled.text)")
            #expect(mangled.report["afterwards"] as? String == "ok", "the broker stopped serving: \(mangled.text.suffix(3000))")
            print("MQTT garbage (seed \(seed)): \(mangled.report["cases"] ?? "?") connections, \(mangled.report["closed_promptly"] ?? "?") "
                + "closed within 2 s, slowest \(mangled.report["slowest_close"] ?? "?") s, DISCONNECT reason codes "
                + "\(mangled.report["disconnect_reasons"] ?? "?")")

            func closed(_ name: String) -> Double? { (silent.report[name] as? [String: Any])?["closed_after"] as? Double }
            for version in ["v311", "v5"] {
                let after = closed("keepalive_\(version)")
                print("MQTT keep-alive 2 s (\(version)): disconnected after \(after.map { "\($0)" } ?? "never") s")
                #expect(after.map { $0 >= 2.5 && $0 <= 5 } == true, "keep-alive \(version): \(silent.text)")
            }
            #expect((silent.report["keepalive_v5"] as? [String: Any])?["disconnect_reason"] as? Int == 0x8D, "\(silent.text)")
            for name in ["tls_without_connect", "tls_without_certificate_or_connect", "part_of_a_connect"] {
                #expect(closed(name).map { $0 >= 1.5 && $0 <= 5 } == true, "\(name), connect timeout 2 s: \(silent.text)")
            }
            // Still serving HTTPS and MQTT.
            #expect(try await f.hub.client.request("GET", "/healthz").status == 200)
            let listener = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"], count: 1)
            #expect(try await f.mosquitto(wallSwitch).publish("devices/\(lamp.id)/cmd/power", "still-serving").acknowledgement == 0)
            #expect(try await listener.waitForMessage("still-serving") != nil, "\(listener.output)")
        }
    }

    /// A TCP connection that never completes the TLS handshake is dropped after the connect
    /// timeout too, or a crowd of them holds the broker's connection slots for ever.
    @Test func aConnectionThatNeverFinishesTLSIsDroppedAfterTheConnectTimeout() async throws {
        try await MessagingFixture.with(configure: { $0.mqtt?.connectTimeout = .seconds(2) }) { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            var idle = f.pahoConfig(["lamp": lamp.paho])
            idle.merge(["client": "lamp", "deadline": 6, "cases": ["tcp_without_tls", "tls_handshake_never_finished"]]) { $1 }
            let silent = try await Paho.run("idle", idle, folder: f.folder)
            for name in ["tcp_without_tls", "tls_handshake_never_finished"] {
                let after = (silent.report[name] as? [String: Any])?["closed_after"] as? Double
                #expect(after.map { $0 >= 1.5 && $0 <= 5 } == true,
                        "\(name): still open 6 s after connecting, with a connect timeout of 2 s: \(silent.text)")
            }
        }
    }

    // MARK: - helpers

    /// The token with its signature replaced: well formed, signed by nobody the hub knows.
    static func forgedToken(from token: String) -> String {
        let parts = token.split(separator: ".")
        return parts.count == 3 ? "\(parts[0]).\(parts[1]).\(Base64URL.encode(SecureRandom.bytes(64)))" : token
    }
}
