import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// An owner's rights over the household's data (docs/privacy.md): the export holds every item
/// and parses with Python's zipfile and json; erasure leaves no telemetry of the device in any
/// table; under a test clock nothing outlives its retention — telemetry nor the personal data of
/// audit details — and the audit log still verifies.
@Suite(.serialized, .requires(.mosquittoClients)) struct PrivacyRightsTests {
    static var energy: [String: Any] { [
        "flows": [[
            "name": "energy", "class": "functional", "purpose": "Shows the plug's power use in the app",
            "schema": ["type": "object", "required": ["watts"], "properties": ["watts": ["type": "number"], "mark": ["type": "string"]]],
            "retention": "1h", "recipients": ["apps": true],
        ]],
    ] }

    /// An `energy` flow whose payload is any JSON string: for tests about who receives telemetry,
    /// not about its shape.
    static var textFlow: [String: Any] { [
        "flows": [[
            "name": "energy", "class": "functional", "purpose": "Shows the device's power use in the app",
            "schema": ["type": "string"], "retention": "1h", "recipients": ["apps": true],
        ]],
    ] }

    static func declare(_ f: MessagingFixture, _ device: MQTTDevice, _ document: [String: Any] = energy) async throws {
        try await declare(on: f.hub, owner: f.owner, scope: "device:\(device.id)", document)
    }

    /// Declares the document's flows for `scope` through the API of `hub`, as the owner whose token it is.
    static func declare(on hub: TestHub, owner: String, scope: String, _ document: [String: Any]) async throws {
        let declared = try await hub.client.json(
            "POST", "/v1/privacy/flows?scope=\(scope)", document, headers: PKITools.bearer(owner))
        try #require(declared.status == 201, "\(declared.status) \(declared.text)")
    }

    @Test(arguments: TestEngine.allCases)
    func theExportHoldsEveryItemAndErasureLeavesNoTelemetry(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await MessagingFixture.with(engine: engine) { f in
            let plug = try await f.device("plug")
            let lamp = try await f.device("lamp")
            try await Self.declare(f, plug)
            try await Self.declare(f, lamp)
            let reader = try await MessagingFixture.register(f.hub, owner: f.owner, scope: "telemetry:read:energy")
            let app = try await f.token("telemetry:read:energy", app: reader)
            // An app's persistent session, offline: QoS 1 telemetry is queued (and stored) for it.
            let offline = try await f.mosquitto(token: app).subscribe(
                ["devices/+/telemetry/energy"], extra: ["-c", "-i", "energy-history", "-x", "3600"])
            #expect(offline.granted == [1], "\(offline.output)")
            try await offline.stop()
            let topic = "devices/\(plug.id)/telemetry/energy"
            #expect(try await f.mosquitto(plug).publish(topic, #"{"watts":5,"mark":"plug-retained"}"#, retain: true).acknowledgement == 0)
            #expect(try await f.mosquitto(plug).publish(topic, #"{"watts":6,"mark":"plug-queued"}"#).acknowledgement == 0)
            #expect(try await f.mosquitto(lamp).publish(
                "devices/\(lamp.id)/telemetry/energy", #"{"watts":7,"mark":"lamp-retained"}"#, retain: true).acknowledgement == 0)
            for mark in ["plug-retained", "plug-queued", "lamp-retained"] {
                try await eventually("\(mark) is stored") { try await DatabaseSnapshot.tables(holding: mark, in: f.hub.store) != [] }
            }

            // The export: one ZIP of JSON files, every item in it.
            let export = try await f.hub.client.request("GET", "/v1/privacy/export", headers: PKITools.bearer(f.owner))
            try #require(export.status == 200 && export.headers["content-type"] == "application/zip", "\(export.status) \(export.text)")
            let archive = f.folder.appendingPathComponent("export.zip")
            try export.body.write(to: archive)
            let listing = try await ProcessRunner.run("/usr/bin/env", ["python3", "-c", Self.readExport, archive.path])
            try #require(listing.status == 0, "\(listing.standardError)")
            let counts = try #require(try JSONSerialization.jsonObject(with: Data(listing.standardOutput.utf8)) as? [String: Any])
            #expect(counts["files"] as? [String] == PrivacyService.exportFiles, "\(counts)")
            #expect((counts["devices"] as? [String])?.contains(plug.id) == true, "\(counts)")
            #expect(counts["flows"] as? Int == 2 && counts["people"] as? Int == 1, "\(counts)")
            #expect((counts["grants"] as? Int ?? 0) >= 1, "\(counts)")
            #expect((counts["retained"] as? [String])?.contains(#"{"watts":5,"mark":"plug-retained"}"#) == true, "\(counts)")
            let actions = try #require(counts["audit_actions"] as? [String])
            #expect(actions.contains("privacy.flow_declared") && actions.contains("certificate.issued"), "\(actions)")

            // Erasure of the plug's telemetry: nothing of it in any table, the lamp's kept.
            let erased = try await f.hub.client.json("POST", "/v1/privacy/erase", ["device": plug.id], headers: PKITools.bearer(f.owner))
            let erasedCount = try erased.json()["erased"] as? Int
            // The retained reading, and the two readings queued for the offline app.
            #expect(erased.status == 200 && erasedCount == 3, "\(erased.status) \(erased.text)")
            #expect(try await DatabaseSnapshot.tables(holding: "plug-", in: f.hub.store) == [])
            #expect(try await DatabaseSnapshot.tables(holding: "devices/\(plug.id)/telemetry", in: f.hub.store) == [])
            #expect(try await DatabaseSnapshot.tables(holding: "lamp-retained", in: f.hub.store) == ["mqtt_queued", "mqtt_retained"])
            // … and nothing of it is delivered any more: the lamp's retained reading is all a new subscriber gets.
            let late = try await f.mosquitto(token: app).subscribe(["devices/+/telemetry/energy"], count: 1)
            #expect(try await late.waitForMessage(#"{"watts":7,"mark":"lamp-retained"}"#) != nil, "\(late.output)")
            #expect(!late.output.contains("plug-"), "\(late.output)")
            let audit = try await f.hub.client.request("GET", "/v1/audit/entries?action=privacy.telemetry_erased", headers: PKITools.bearer(f.owner))
            #expect(audit.text.contains("device:\(plug.id)"), "\(audit.text)")
        }
    }

    /// Reads the export with Python's zipfile and json: the file names, and what each holds.
    static let readExport = """
        import json, sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None
        load = lambda name: json.loads(z.read(name))
        print(json.dumps({
            "files": z.namelist(),
            "devices": [d["device"]["id"] for d in load("devices.json")],
            "flows": len(load("flows.json")),
            "people": len(load("people.json")),
            "grants": len(load("grants.json")),
            "retained": [m["payload"] for m in load("retained.json")],
            "audit_actions": sorted({e["action"] for e in load("audit.json")}),
            "household": load("household.json")["id"],
        }))
        """

    @Test func nothingOutlivesItsRetentionAndTheLogStillVerifies() async throws {
        try await MessagingFixture.with(configure: {
            $0.telemetryRetentionInterval = .milliseconds(200)
            $0.sweepInterval = .milliseconds(300)
            $0.personalAuditRetention = .seconds(3600)
        }) { f in
            let plug = try await f.device("plug")
            var short = Self.energy
            short["flows"] = [[
                "name": "energy", "class": "functional", "purpose": "Shows the plug's power use in the app",
                "schema": ["type": "object"], "retention": "2m", "recipients": ["apps": true],
            ]]
            try await Self.declare(f, plug, short)
            let topic = "devices/\(plug.id)/telemetry/energy"
            #expect(try await f.mosquitto(plug).publish(topic, #"{"mark":"short-lived"}"#, retain: true).acknowledgement == 0)
            try await eventually("the reading is retained") {
                try await DatabaseSnapshot.tables(holding: "short-lived", in: f.hub.store) == ["mqtt_retained"]
            }
            // Sign-ins record the source address: personal data, kept an hour here.
            let personal = try await f.hub.store.read { db in
                try await db.audit.entries(AuditQuery(action: "session.login_succeeded", limit: 100))
            }
            #expect(!personal.isEmpty && personal.allSatisfy { $0.details?.contains("\"source\":") == true })

            f.hub.clock.advance(by: 90)
            try await Task.sleep(for: .seconds(1))
            #expect(try await DatabaseSnapshot.tables(holding: "short-lived", in: f.hub.store) == ["mqtt_retained"], "kept within its retention")
            // 130 s: 10 s past the retention, within the sweep's 30 s grace (not counted overdue).
            f.hub.clock.advance(by: 40)
            try await eventually("the reading is removed when its retention ends") {
                try await DatabaseSnapshot.tables(holding: "short-lived", in: f.hub.store) == []
            }
            // A new subscription gets no expired reading: a live one sent after it arrives first.
            let late = try await f.mosquitto(token: try await f.token("telemetry:read:energy", app: try await MessagingFixture.register(
                f.hub, owner: f.owner, scope: "telemetry:read:energy"))).subscribe(["devices/+/telemetry/energy"])
            #expect(try await f.mosquitto(plug).publish(topic, #"{"mark":"sentinel"}"#).acknowledgement == 0)
            #expect(try await late.waitForMessage(#"{"mark":"sentinel"}"#) != nil, "\(late.output)")
            #expect(!late.output.contains("short-lived"), "\(late.output)")
            try await late.stop()

            f.hub.clock.advance(by: 3600)
            try await eventually("personal audit details are redacted after their retention") {
                try await f.hub.store.read { db in
                    try await db.audit.entries(AuditQuery(action: "session.login_succeeded", limit: 100))
                }.filter { $0.time < f.hub.clock.now.addingTimeInterval(-3600) }.allSatisfy { $0.details == nil }
            }
            let kept = try await f.hub.store.read { db in try await db.audit.entries(AuditQuery(action: "certificate.issued", limit: 10)) }
            #expect(!kept.isEmpty && kept.allSatisfy { $0.details != nil }, "other entries keep their details")
            let metrics = try await f.hub.client.request("GET", "/metrics").text
            #expect(metrics.contains("hearth_privacy_items_past_retention 0"), "\(metrics)")

            // A sweep that comes too late — the clock jumps past a retention and the sweep's 30 s
            // grace at once — shows in the metric.
            #expect(try await f.mosquitto(plug).publish(topic, #"{"mark":"overdue"}"#, retain: true).acknowledgement == 0)
            try await eventually("the reading is retained") {
                try await DatabaseSnapshot.tables(holding: "overdue", in: f.hub.store) == ["mqtt_retained"]
            }
            f.hub.clock.advance(by: 120 + 60)
            try await eventually("the overdue reading is removed and counted") {
                guard try await DatabaseSnapshot.tables(holding: "overdue", in: f.hub.store) == [] else { return false }
                return try await f.hub.client.request("GET", "/metrics").text.contains("hearth_privacy_items_past_retention 1")
            }
            let report = try await AuditLogVerifier(store: f.hub.store, key: try await AuditKey.storedVerifier(f.hub.store)).verify()
            #expect(report.isIntact && report.redacted > 0, "\(report.findings)")
        }
    }
}
