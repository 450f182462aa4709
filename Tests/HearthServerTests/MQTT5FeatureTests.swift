import Foundation
import HearthTesting
import Testing

/// The MQTT 5 features docs/mqtt.md promises, each shown with Eclipse Paho in MQTT 5 against the
/// real broker (scripts/test-tools/mqtt_interop.py, mode `mqtt5`): topic aliases from clients and
/// their maximum, forwarded PUBLISH properties, message and session expiry, the will delay,
/// subscription identifiers, Maximum Packet Size and Receive Maximum towards a client, the packet
/// size limit towards the broker, and session takeover. Each is its own check in the report, so a
/// failure names the feature; the script runs every check even after one failed.
@Suite struct MQTT5FeatureTests {
    /// The checks of the `mqtt5` mode, in the order it runs them, and whether one may be skipped.
    static let checks: [(name: String, skippable: Bool)] = [
        ("topic_alias", false), ("properties", false), ("message_expiry", false), ("session_expiry", false),
        ("will_delay", false), ("subscription_identifier", false),
        // No identity may publish to a topic it may subscribe to (MessagingPolicy): No Local cannot be shown.
        ("no_local", true),
        ("maximum_packet_size", false),
        // Needs paho's manual acknowledgement (paho-mqtt 2.x).
        ("receive_maximum", true),
        ("session_takeover", false),
        // 20,000 connections: not from one paho process.
        ("connection_limit", true),
    ]

    @Test(.requires(.pythonModule("paho.mqtt"))) func pahoShowsEachMQTT5Feature() async throws {
        try await MessagingFixture.with { f in
            let lamp = try await f.device("lamp", zone: "lighting")
            let wallSwitch = try await f.device("switch", zone: "lighting")
            let app = try await f.token("devices:read")
            let config = f.pahoConfig(["lamp": lamp.paho, "switch": wallSwitch.paho, "app": ["token": app]])
            let started = ContinuousClock.now
            let run = try await Paho.run("mqtt5", config, folder: f.folder)
            let results = run.report["checks"] as? [String: [String: Any]] ?? [:]
            try #require(!results.isEmpty, "mqtt5 did not report its checks (exit \(run.status)): \(run.text)")

            for (name, skippable) in Self.checks {
                let result = results[name] ?? [:]
                let status = result["status"] as? String
                if status == "skipped", skippable {
                    print("MQTT 5 \(name): skipped — \(result["reason"] as? String ?? "?")")
                    continue
                }
                let measured = result.filter { !["status", "failure", "reason"].contains($0.key) }
                    .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                #expect(
                    status == "ok",
                    "MQTT 5 \(name): \(status ?? "not run") — \(result["failure"] as? String ?? result["reason"] as? String ?? "") [\(measured)]")
                if status == "ok" { print("MQTT 5 \(name): ok [\(measured)]") }
            }
            #expect(Set(results.keys) == Set(Self.checks.map(\.name)), "checks reported: \(results.keys.sorted())")
            #expect(run.status == 0 || results.values.contains { $0["status"] as? String == "failed" }, "mqtt5 exited \(run.status): \(run.text)")
            print("MQTT 5 features (paho \(run.report["paho"] ?? "?")): \(ContinuousClock.now - started)")
        }
    }
}
