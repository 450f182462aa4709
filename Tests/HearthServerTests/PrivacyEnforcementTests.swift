import Foundation
import HearthCore
import HearthHub
import HearthTesting
import Testing

/// Declared telemetry flows enforced by the broker (docs/privacy.md), with clients nobody here
/// wrote: the owner declares flows and grants consent over the API (curl); a device publishes
/// with mosquitto_pub (MQTT 5 and 3.1.1); an app listens with mosquitto_sub. What is refused is
/// refused with its reason code; what passes arrives minimized; a flow needing consent reaches the
/// app only between the grant and the withdrawal. "Nothing arrived" always rests on a sentinel
/// message the same subscriber did receive after it.
@Suite(.serialized, .requires(.mosquittoClients)) struct PrivacyEnforcementTests {
    static var flows: [String: Any] { [
        "flows": [
            [
                "name": "energy", "class": "functional", "purpose": "Shows the plug's power use in the app",
                "schema": [
                    "type": "object", "additionalProperties": false, "required": ["watts", "at"],
                    "properties": [
                        "watts": ["type": "number", "minimum": 0], "at": ["type": "integer"],
                        "serial": ["type": "string", "maxLength": 32], "seq": ["type": "integer"],
                    ],
                ],
                "minimize": [
                    ["drop": ["serial"]], ["round": ["path": "watts", "to": 10]], ["coarsen": ["path": "at", "period": "1m"]],
                ],
                "retention": "1h", "recipients": ["apps": true],
            ],
            [
                "name": "presence", "class": "functional", "sensitive": ["presence"], "purpose": "Tells the app who is home",
                "schema": ["type": "object", "required": ["home", "seq"], "properties": ["home": ["type": "boolean"], "seq": ["type": "integer"]]],
                "retention": "1d", "recipients": ["apps": true],
            ],
        ],
    ] }

    @Test(arguments: TestEngine.allCases)
    func declaredFlowsAreEnforcedOnEveryPublish(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await MessagingFixture.with(engine: engine) { f in
            let plug = try await f.device("plug")
            let owner = PKITools.bearer(f.owner)
            let declared = try await f.hub.client.request(
                "POST", "/v1/privacy/flows?scope=device:\(plug.id)", headers: owner.merging(["Content-Type": "application/json"]) { $1 },
                body: try JSONSerialization.data(withJSONObject: Self.flows))
            try #require(declared.status == 201, "\(declared.status) \(declared.text)")

            let reader = try await MessagingFixture.register(f.hub, owner: f.owner, scope: "telemetry:read:energy telemetry:read:presence")
            let app = try await f.token("telemetry:read:energy telemetry:read:presence", app: reader)
            let listener = try await f.mosquitto(token: app).subscribe(
                ["devices/+/telemetry/energy", "devices/+/telemetry/presence"])
            #expect(listener.granted == [1, 1], "\(listener.output)")
            let energy = "devices/\(plug.id)/telemetry/energy", presence = "devices/\(plug.id)/telemetry/presence"
            var sentinel = 0
            /// Publishes an energy reading the app must receive, and waits for it.
            func sentinelArrives(_ what: String) async throws {
                sentinel += 1
                let sent = try await f.mosquitto(plug).publish(energy, #"{"watts":1,"at":60,"seq":\#(sentinel)}"#)
                #expect(sent.acknowledgement == 0, "\(what): \(sent)")
                #expect(try await listener.waitForMessage(#"{"watts":0,"at":60,"seq":\#(sentinel)}"#) != nil, "\(what): \(listener.output)")
            }

            // Refused in MQTT 5 with the reason: undeclared (0x87), schema or not JSON (0x99).
            let refusals: [(String, String, String, Int)] = [
                ("an undeclared flow", "devices/\(plug.id)/telemetry/secret", #"{"x":1}"#, 0x87),
                ("a flow name with more levels", "devices/\(plug.id)/telemetry/energy/raw", #"{"watts":1,"at":1}"#, 0x87),
                ("below the minimum", energy, #"{"watts":-5,"at":1}"#, 0x99),
                ("a missing required field", energy, #"{"watts":5}"#, 0x99),
                ("an undeclared field", energy, #"{"watts":5,"at":1,"mac":"aa:bb:cc:dd:ee:ff"}"#, 0x99),
                ("not JSON", energy, "watts=5", 0x99),
                ("truncated JSON", energy, #"{"watts":5,"at":"#, 0x99),
            ]
            for (what, topic, payload, code) in refusals {
                let refused = try await f.mosquitto(plug).publish(topic, payload)
                #expect(refused.acknowledgement == code, "\(what): \(refused)")
                // MQTT 3.1.1 cannot say no: acknowledged, dropped.
                let dropped = try await f.mosquitto(plug).publish(topic, payload, version: .v311)
                #expect(dropped.status == 0 && !dropped.refused, "\(what), 3.1.1: \(dropped)")
            }
            try await sentinelArrives("after the refusals")
            #expect(!listener.messages.contains { $0.payload.contains("-5") || $0.payload.contains("mac") || $0.topic.hasSuffix("/raw") },
                    "\(listener.output)")

            // Minimized before delivery: the serial dropped, watts rounded to 10, the time floored to the minute.
            let reading = try await f.mosquitto(plug).publish(energy, #"{"watts":1234.5,"at":1700000042,"serial":"SN-0042","seq":100}"#, retain: true)
            #expect(reading.acknowledgement == 0, "\(reading)")
            let minimized = try #require(try await listener.waitForMessage(#"{"watts":1230,"at":1700000040,"seq":100}"#), "\(listener.output)")
            #expect(!minimized.payload.contains("SN-0042"))
            #expect(!listener.output.contains("SN-0042"))

            // Presence is sensitive: it needs the owner's consent to reach apps.
            #expect(try await f.mosquitto(plug).publish(presence, #"{"home":true,"seq":1}"#).acknowledgement == 0)
            try await sentinelArrives("presence without consent")
            #expect(!listener.messages.contains { $0.topic == presence }, "\(listener.output)")
            let grant = try await f.hub.client.json(
                "POST", "/v1/privacy/consents",
                ["scope": "device:\(plug.id)", "flow": "presence", "recipient": "apps", "purpose": "the heating follows us"],
                headers: owner)
            #expect(grant.status == 204, "\(grant.status) \(grant.text)")
            #expect(try await f.mosquitto(plug).publish(presence, #"{"home":true,"seq":2}"#).acknowledgement == 0)
            #expect(try await listener.waitForMessage(#"{"home":true,"seq":2}"#) != nil, "\(listener.output)")
            let withdraw = try await f.hub.client.json(
                "POST", "/v1/privacy/consents/withdraw", ["scope": "device:\(plug.id)", "flow": "presence", "recipient": "apps"],
                headers: owner)
            #expect(withdraw.status == 204, "\(withdraw.status) \(withdraw.text)")
            #expect(try await f.mosquitto(plug).publish(presence, #"{"home":false,"seq":3}"#).acknowledgement == 0)
            try await sentinelArrives("presence after the withdrawal")
            #expect(!listener.messages.contains { $0.payload.contains("\"seq\":3") && $0.topic == presence }, "\(listener.output)")
            try await listener.stop()

            // The retained reading reaches a new subscriber minimized; nothing unminimized was stored.
            let late = try await f.mosquitto(token: app).subscribe(["devices/+/telemetry/energy"], count: 1)
            #expect(try await late.waitForMessage(#"{"watts":1230,"at":1700000040,"seq":100}"#)?.retained == true, "\(late.output)")
            #expect(try await DatabaseSnapshot.tables(holding: "SN-0042", in: f.hub.store) == [])

            // Refusals are counted on /metrics; consent changes are audited.
            let metrics = try await f.hub.client.request("GET", "/metrics").text
            #expect(metrics.contains(#"hearth_privacy_messages_refused_total{reason="undeclared-flow"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"hearth_privacy_messages_refused_total{reason="schema"} 6"#), "\(metrics)")
            #expect(metrics.contains(#"hearth_privacy_messages_refused_total{reason="not-json"} 4"#), "\(metrics)")
            #expect(metrics.contains("hearth_privacy_items_past_retention 0"), "\(metrics)")
            let audit = try await f.hub.client.request("GET", "/v1/audit/entries?action=privacy.consent_withdrawn", headers: owner)
            #expect(audit.text.contains("flow:device:\(plug.id)/presence"), "\(audit.text)")
        }
    }
}
