import Foundation
import HearthAudit
import HearthCore
import HearthDetection
import HearthHub
import HearthStore
import HearthStoreSQLite
import HearthTesting
import Logging
import Testing

/// Alerts and risk as owners and operators reach them: `/v1/alerts` and `/v1/risk` (one
/// household's, never another's or the hub-wide ones), acknowledging (audited, once), what is
/// refused with a problem, and `hearth alerts …` on a data folder.
@Suite(.serialized) struct AlertAPITests {
    static let start = Date()

    static func storm(_ device: DeviceID, household: HouseholdID, at time: Date) -> [Response] {
        let finding = { (severity: Severity, summary: String) in
            Finding(
                kind: .messageStorm, suspect: .device(device), household: household, severity: severity, summary: summary,
                evidence: [Evidence("messages-per-second", "900"), Evidence("zone", "lighting")], at: time)
        }
        return [
            Response(finding: finding(.warning, "device sent 900 messages/s"), actions: [.rateLimit(device, household: household, perSecond: 20)]),
            Response(finding: finding(.critical, "device kept sending"), actions: [.quarantine(device, household: household)], escalates: true),
        ]
    }

    static let guessing = Response(finding: Finding(
        kind: .bruteForce, suspect: .source("192.0.2.9"), household: nil, severity: .warning, summary: "10 refused credentials",
        evidence: [Evidence("source", "192.0.2.9")], at: start), actions: [.blockSource("192.0.2.9", until: start.addingTimeInterval(300))])

    @Test(arguments: TestEngine.allCases)
    func anOwnerReadsAcknowledgesAndSeesRisk(engine: TestEngine) async throws {
        try await withTestHub(engine: engine, startingAt: Self.start) { hub in
            let service = AlertService(store: hub.store, riskHalfLife: 3600)
            let lamp = DeviceID()
            for response in Self.storm(lamp, household: hub.householdID, at: Self.start) {
                try await service.record(response, actions: response.actions.map(\.summary))
            }
            let hubWide = try await service.record(Self.guessing, actions: Self.guessing.actions.map(\.summary))
            let owner = try await AuditAPITests.session(hub).token
            let headers = AuditAPITests.bearer(owner)

            let listed = try await hub.client.request("GET", "/v1/alerts", headers: headers)
            #expect(listed.status == 200, "\(listed.text)")
            let alerts = try #require(try listed.json()["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1, "one storm, escalated in place; the hub-wide alert is not the household's: \(alerts)")
            let alert = try #require(alerts.first)
            let id = try #require(alert["id"] as? String)
            #expect(alert["severity"] as? String == "critical" && alert["suspect"] as? String == "device:\(lamp)")
            #expect(alert["actions"] as? [String] == ["rate-limited device \(lamp) to 20 messages/s", "quarantined device \(lamp)"])
            #expect((alert["evidence"] as? [String: String])?["messages-per-second"] == "900")

            let risk = try await hub.client.request("GET", "/v1/risk", headers: headers)
            let scores = try #require(try risk.json()["risk"] as? [[String: Any]], "\(risk.text)")
            #expect(scores.first?["suspect"] as? String == "device:\(lamp)" && scores.first?["score"] as? Int == 70)

            for (path, status, code) in [
                ("/v1/alerts/\(hubWide.id)", 404, "not-found"), ("/v1/alerts/nope", 404, "not-found"),
                ("/v1/alerts?open=maybe", 400, "invalid-query"), ("/v1/alerts?limit=0", 400, "invalid-query"),
                ("/v1/alerts?limit=x", 400, "invalid-query"),
            ] {
                let refused = try await hub.client.request("GET", path, headers: headers)
                AuditAPITests.expectProblem(refused, status: status, code: code, path)
            }
            AuditAPITests.expectProblem(
                try await hub.client.request("POST", "/v1/alerts/\(hubWide.id)/ack", headers: headers), status: 404, code: "not-found",
                "the owner acknowledging a hub-wide alert")
            AuditAPITests.expectProblem(
                try await hub.client.request("GET", "/v1/hub/alerts", headers: headers), status: 403, code: "operator-session-required",
                "an owner's session at the operator's alerts")
            #expect(try await hub.client.request("GET", "/v1/alerts").status == 401)

            let acknowledged = try await hub.client.request("POST", "/v1/alerts/\(id)/ack", headers: headers)
            #expect(acknowledged.status == 200, "\(acknowledged.text)")
            let by = try #require(try acknowledged.json()["acknowledged_by"] as? String)
            #expect(by.hasPrefix("person:"))
            let again = try await hub.client.request("POST", "/v1/alerts/\(id)/ack", headers: headers)
            #expect(try again.json()["acknowledged_at"] as? String == (try acknowledged.json()["acknowledged_at"] as? String))
            let open = try await hub.client.request("GET", "/v1/alerts?open=true", headers: headers)
            #expect((try open.json()["alerts"] as? [Any])?.isEmpty == true)
            // The checkup: an owner without a second factor, no witness, the alert left open
            // (acknowledged now: gone); no shared key (the hub refuses to certify a key twice).
            let checkup = try await hub.client.request("GET", "/v1/checkup", headers: headers)
            #expect(checkup.status == 200, "\(checkup.text)")
            let findings = try #require(try checkup.json()["findings"] as? [[String: Any]])
            let checks = findings.compactMap { $0["check"] as? String }
            #expect(findings.first?["severity"] as? String == "warning", "\(findings)")
            #expect(checks.contains("owner-without-second-factor") && checks.contains("audit-not-witnessed"), "\(checks)")
            #expect(!checks.contains("alerts-open") && !checks.contains("certificate-shared"), "\(checks)")

            let entries = try await hub.store.read { db in
                try await db.audit.entries(AuditQuery(householdID: hub.householdID.rawValue, limit: 1000))
            }
            #expect(entries.filter { $0.action == AuditAction.alertAcknowledged.description }.count == 1)
            #expect(entries.filter { $0.action == AuditAction.alertRaised.description }.count == 1 && entries.filter { $0.action == AuditAction.alertEscalated.description }.count == 1)
        }
    }

    /// Acknowledged alerts go after their retention, with the webhook deliveries that name them;
    /// open ones and recent ones stay.
    @Test(arguments: TestEngine.allCases)
    func acknowledgedAlertsGoAfterTheirRetention(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine, startingAt: Self.start) { hub in
            let service = AlertService(store: hub.store)
            // A webhook nobody answers: each alert leaves a delivery row behind.
            _ = try await AlertWebhooks(store: hub.store, sealer: hub.pki.sealer).set(
                url: "http://127.0.0.1:9/nobody", household: hub.householdID, actor: .system("test"))
            let steps = Self.storm(DeviceID(), household: hub.householdID, at: hub.clock.now)
            let old = try await service.record(steps[0], actions: [])
            let open = try await service.record(Self.guessing, actions: [])
            _ = try await service.acknowledge(old.id, household: hub.householdID, actor: .system("test"))
            hub.clock.advance(by: 30 * 86_400)
            let newer = Self.storm(DeviceID(), household: hub.householdID, at: hub.clock.now)
            let recent = try await service.record(newer[0], actions: [])
            _ = try await service.acknowledge(recent.id, household: hub.householdID, actor: .system("test"))

            #expect(try await service.sweep(retention: 20 * 86_400) == 1)
            #expect(try await service.list(household: hub.householdID).map(\.id) == [recent.id])
            #expect(try await service.list(household: nil).map(\.id) == [open.id], "an open alert stays, however old")
            let deliveries = try await hub.store.read { db in try await db.webhooks.deliveries(scope: hub.householdID.rawValue, limit: 10) }
            #expect(deliveries.map(\.alertID) == [recent.id], "the old alert's delivery went with it")
            #expect(try await service.sweep(retention: 20 * 86_400) == 0)
        }
    }

    @Test func theCommandLineListsShowsAcknowledgesAndScores() async throws {
        let workspace = try PKILifecycleTests.Workspace("alerts-cli")
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try await workspace.hearth(["init", "--household", "Flat 4", "--owner", "bo@example.org"])
        let lamp = DeviceID()
        let (householdAlert, hubAlert) = try await Store.withRunning(
            try await SQLiteEngine.open(path: workspace.data.appendingPathComponent("hearth.sqlite").path, logger: Logger(label: "test")),
            logger: Logger(label: "test")
        ) { store in
            let household = try #require(try await store.read { db in try await db.households.all() }.first?.id)
            let service = AlertService(store: store)
            var last: Alert?
            for response in Self.storm(lamp, household: household, at: Date()) {
                last = try await service.record(response, actions: response.actions.map(\.summary))
            }
            return (try #require(last), try await service.record(Self.guessing, actions: ["blocked 192.0.2.9"]))
        }
        let listed = try await workspace.hearth(["alerts", "list"])
        #expect(listed.contains(householdAlert.id) && listed.contains("message-storm") && listed.contains("open"), "\(listed)")
        #expect(!listed.contains(hubAlert.id))
        let hubWide = try await workspace.hearth(["alerts", "list", "--hub-wide"])
        #expect(hubWide.contains(hubAlert.id) && hubWide.contains("source:192.0.2.9"), "\(hubWide)")
        let shown = try await workspace.hearth(["alerts", "show", householdAlert.id])
        #expect(shown.contains("quarantined device \(lamp)"), "\(shown)")
        let risk = try await workspace.hearth(["alerts", "risk"])
        #expect(risk.contains("device:\(lamp)  70"), "\(risk)")
        let acknowledged = try await workspace.hearth(["alerts", "ack", householdAlert.id])
        #expect(acknowledged.contains("acknowledged \(householdAlert.id)"))
        #expect(try await workspace.hearth(["alerts", "list", "--open"]).contains("no alerts"))
        // The checkup from the shell; a KEK readable by others stops it (as it stops every command).
        let before = try await workspace.run(["checkup"])
        #expect(before.status == 0 && before.standardOutput.contains("owner-without-second-factor"), "\(before.standardOutput)")
        let kek = workspace.data.appendingPathComponent("kek").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: kek)
        let readable = try await workspace.run(["checkup", "--json"])
        #expect(readable.status != 0 && readable.standardError.contains("readable by others"), "\(readable.standardError)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: kek)

        let refused = try await workspace.run(["alerts", "ack", hubAlert.id])
        #expect(refused.status != 0 && refused.standardError.contains("no alert \(hubAlert.id) here"), "\(refused.standardError)")
    }
}
