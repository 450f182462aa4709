import Foundation
import HearthCore
import HearthDevice
import HearthPairing
import HearthHub
import HearthTesting
import Testing

/// A real Home Assistant (2024.3.3 from PyPI, in the virtualenv scripts/test makes and reuses)
/// configured without a person: its MQTT config entry points at the hub's broker with the
/// integration's certificate, key and the hub's root, exactly the files `POST /v1/integrations`
/// hands out (scripts/test-tools/home_assistant.py writes the entry and a token for its REST API).
/// The device is driven with the mosquitto clients over its own certificate. Everything Home
/// Assistant shows is read from its REST API (`/api/states`), and commands are its service calls.
@Suite(.serialized, .requires(.homeAssistant, .mosquittoClients)) struct HomeAssistantInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/home_assistant.py").path

    /// The harness's answer once Home Assistant's API and MQTT are up.
    struct Running {
        let process: HearthProcess
        let url: String
        let token: String
        let log: String

        /// `home_assistant.py SUBCOMMAND --url --token …`: its exit status and output.
        func run(_ subcommand: String, _ arguments: [String]) async throws -> ProcessRunner.Result {
            let python = ProcessInfo.processInfo.environment["HEARTH_HA_PYTHON"] ?? "python3"
            return try await ProcessRunner.run(python, [HomeAssistantInteropTests.script, subcommand, "--url", url, "--token", token] + arguments)
        }

        /// Waits until the entity has `state` (or is gone, for nil); its last answer.
        func wait(_ entity: String, _ state: String?, timeout: Int = 30) async throws -> ProcessRunner.Result {
            try await run("wait-state", ["--entity", entity, "--timeout", "\(timeout)"] + (state.map { ["--state", $0] } ?? ["--absent"]))
        }

        var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    }

    @Test func homeAssistantSeesCommandsAndLosesAHouseholdAsTheOwnerSays() async throws {
        try await MessagingFixture.with { f in
            let owner = PKITools.bearer(f.owner)
            // A virtual device paired in Hearth (secret mode: an owner expects it by its setup secret).
            let secret = SetupSecret.generate()
            let expected = try await f.hub.client.json(
                "POST", "/v1/pairing/expected", ["secret": secret.text, "zone": "default", "name": "Plug"], headers: owner)
            #expect(expected.status == 201, "\(expected.text)")
            let state = f.folder.appendingPathComponent("plug-state")
            let pairing = try await PairingEndToEndTests.pair(f.hub, mode: "secret", state: state, secret: secret)
            #expect(try await pairing.waitForExit() == 0, "pair: \(pairing.standardError)")
            let plug = MQTTDevice(
                name: "Plug", id: try #require(PairingEndToEndTests.line("device:", in: pairing.standardOutput), "\(pairing.standardOutput)"),
                serial: "", chain: state.appendingPathComponent(DeviceStateFolder.chainName).path,
                key: state.appendingPathComponent(FileKeyStore.currentName).path)
            try await PrivacyRightsTests.declare(f, plug, PrivacyEnforcementTests.flows)
            let presence = ["scope": "device:\(plug.id)", "flow": "presence", "recipient": "apps"]
            let consented = try await f.hub.client.json(
                "POST", "/v1/privacy/consents", presence.merging(["purpose": "Home Assistant shows who is home"]) { a, _ in a },
                headers: owner)
            #expect(consented.status == 204, "\(consented.text)")
            let files = try await IntegrationTests.register(
                f, scope: "devices:read devices:control:default telemetry:read:energy telemetry:read:presence")

            // The device: its availability and state retained. (One connection per device: each
            // mosquitto_pub takes its session over, so it listens for commands only after its last publish.)
            let device = f.mosquitto(plug)
            #expect(try await device.publish("devices/\(plug.id)/availability", "online", retain: true).acknowledgement == 0)
            #expect(try await device.publish("devices/\(plug.id)/state", #"{"power":"OFF"}"#, retain: true).acknowledgement == 0)

            let python = try #require(ProcessInfo.processInfo.environment["HEARTH_HA_PYTHON"])
            let config = f.folder.appendingPathComponent("home-assistant").path
            let process = try HearthProcess(executable: python, [
                Self.script, "run", "--config-dir", config, "--http-port", "\(try FreePort.tcp())",
                "--broker-port", "\(f.hub.mqttPort)", "--ca", files.root, "--cert", files.certificate, "--key", files.key,
                "--wait-mqtt", "120", "--max-seconds", "900",
            ])
            defer { process.signal(SIGTERM) }
            let line = try await process.waitForOutput(timeout: .seconds(300)) { $0.contains("\"token\"") }
            let started = try #require(
                line.split(separator: "\n").lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.first)
            let ha = Running(
                process: process, url: try #require(started["url"] as? String), token: try #require(started["token"] as? String),
                log: try #require(started["log"] as? String))
            #expect(started["mqtt_connected"] as? Bool == true, "\(started) \(ha.logText.suffix(3000))")
            print("Home Assistant: API answering after \(started["api_seconds"] ?? "?") s")

            // The paired device appears by discovery, with the state it published.
            let appeared = try await ha.wait("switch.plug_switch", "off", timeout: 60)
            #expect(appeared.status == 0, "\(appeared.standardError) \(ha.logText.suffix(3000))")
            #expect(try await device.publish("devices/\(plug.id)/state", #"{"power":"ON"}"#, retain: true).acknowledgement == 0)
            #expect(try await ha.wait("switch.plug_switch", "on").status == 0)
            // Telemetry: minimized by the hub (watts rounded to 10) before Home Assistant sees it.
            #expect(try await device.publish("devices/\(plug.id)/telemetry/energy", #"{"watts":42,"at":1800000000}"#).acknowledgement == 0)
            let watts = try await ha.wait("sensor.plug_energy_watts", "40")
            #expect(watts.status == 0, "\(watts.standardError)")
            #expect(try await device.publish("devices/\(plug.id)/telemetry/presence", #"{"home":true,"seq":1}"#).acknowledgement == 0)
            #expect(try await ha.wait("sensor.plug_presence_home", "True").status == 0)

            // A service call through Home Assistant's REST API reaches the device as a command.
            let commands = try await device.subscribe(["devices/\(plug.id)/cmd/#"])
            let call = try await ha.run("call", ["--domain", "switch", "--service", "turn_off", "--entity", "switch.plug_switch"])
            #expect(call.status == 0, "\(call.standardOutput) \(call.standardError)")
            let command = try await commands.waitForMessage("OFF")
            #expect(command?.topic == "devices/\(plug.id)/cmd/power", "\(commands.messages)")

            // Withdrawing consent for a flow removes its sensor; the other flow's stay.
            let withdrawn = try await f.hub.client.json("POST", "/v1/privacy/consents/withdraw", presence, headers: owner)
            #expect(withdrawn.status == 204, "\(withdrawn.text)")
            let gone = try await ha.wait("sensor.plug_presence_home", nil)
            #expect(gone.status == 0, "\(gone.standardError)")
            #expect(try await ha.run("states", ["--entity", "sensor.plug_energy_watts"]).status == 0)

            // Quarantining the device makes its entities unavailable.
            let quarantined = try await f.hub.client.json(
                "POST", "/v1/devices/\(plug.id)/quarantine", ["reason": "testing"], headers: owner)
            #expect(quarantined.status == 200, "\(quarantined.text)")
            #expect(try await ha.wait("switch.plug_switch", "unavailable").status == 0)
            #expect(try await ha.wait("sensor.plug_energy_watts", "unavailable").status == 0)
            try await commands.stop()

            // Revoking the grant ends Home Assistant's session within a second; it reports the broker
            // unreachable, and its reconnects are refused.
            let before = ha.logText.count
            let revokedAt = Date()
            let revoked = try await f.hub.client.request("DELETE", "/v1/oauth/grants/\(files.grant)", headers: owner)
            #expect(revoked.status == 204, "\(revoked.text)")
            let deadline = ContinuousClock.now + .seconds(30)
            var disconnectedAt: Date?
            while ContinuousClock.now < deadline {
                let text = ha.logText
                let fresh = text.dropFirst(min(before, text.count))
                if disconnectedAt == nil, let line = fresh.split(separator: "\n").first(where: { $0.contains("Disconnected from MQTT server") }) {
                    disconnectedAt = Self.logTime(line)
                }
                if disconnectedAt != nil, fresh.contains("Connection Refused: not authorised") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let cut = try #require(disconnectedAt, "Home Assistant logged no disconnection: \(ha.logText.suffix(3000))")
            let seconds = cut.timeIntervalSince(revokedAt)
            print("Home Assistant's MQTT session ended \(String(format: "%.3f", seconds)) s after its grant's revocation (its own log's time)")
            #expect(seconds < 1.0, "\(seconds) s")
            #expect(ha.logText.dropFirst(before).contains("Connection Refused: not authorised"), "\(ha.logText.suffix(3000))")
            #expect(try await ha.wait("switch.plug_switch", "unavailable").status == 0)

            process.signal(SIGTERM)
            _ = try await process.waitForExit(timeout: .seconds(30))
        }
    }

    /// The time a Home Assistant log line starts with (`2026-12-05 20:57:01.123 WARNING …`, local time).
    static func logTime(_ line: Substring) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.date(from: String(line.prefix(23)))
    }
}
