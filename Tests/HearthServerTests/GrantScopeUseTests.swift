import Foundation
import HearthTesting
import Testing

/// `hearth checkup`'s "grant broader than used": an app given four scopes uses two — one over the
/// API (curl), one by an MQTT subscription (mosquitto_sub) — and once its grant has been watched
/// for 14 days the checkup names the two it never used, and only those; likewise an integration
/// (Home Assistant's certificate), whose uses are noted against its grant.
@Suite(.requires(.mosquittoClients)) struct GrantScopeUseTests {
    @Test(arguments: TestEngine.allCases)
    func theCheckupNamesTheScopesAGrantNeverUsed(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await MessagingFixture.with(engine: engine) { f in
            let lamp = try await f.device("lamp")
            let scope = "devices:read devices:control:default telemetry:read:energy alerts:read"
            let app = try await MessagingFixture.register(f.hub, owner: f.owner, scope: scope)
            let token = try await f.token(scope, app: app)

            // An integration's uses count against its grant too: it reads discovery and commands the
            // lamp (allowed at once here: a default-zone device), and never uses devices:read.
            let integration = try await IntegrationTests.register(f, scope: "devices:read devices:control:default")
            let discovery = try await IntegrationTests.client(f, integration).subscribe(["homeassistant/#"])
            #expect(discovery.granted == [1], "\(discovery.output)")
            try await discovery.stop()
            #expect(try await IntegrationTests.client(f, integration).publish("devices/\(lamp.id)/cmd/power", "ON").acknowledgement == 0)

            let listed = try await f.hub.client.request("GET", "/v1/devices", headers: PKITools.bearer(token))
            #expect(listed.status == 200, "\(listed.text)")
            let listener = try await f.mosquitto(token: token).subscribe(["devices/+/telemetry/energy"])
            #expect(listener.granted == [1], "\(listener.output)")
            try await listener.stop()

            func grantFindings() async throws -> [[String: Any]] {
                let owner = try await AuditAPITests.session(f.hub).token
                let checkup = try await f.hub.client.request("GET", "/v1/checkup", headers: AuditAPITests.bearer(owner))
                try #require(checkup.status == 200, "\(checkup.text)")
                return (try checkup.json()["findings"] as? [[String: Any]] ?? []).filter { $0["check"] as? String == "grant-broader-than-used" }
            }
            #expect(try await grantFindings().isEmpty, "a grant watched for less than 14 days is not judged")
            f.hub.clock.advance(by: 15 * 86_400)
            let all = try await grantFindings()
            #expect(all.count == 2, "\(all)")
            let integrationDetail = try #require(
                all.compactMap { $0["detail"] as? String }.first { $0.contains(integration.id) }, "\(all)")
            #expect(integrationDetail.hasSuffix("holds scopes it has not used in its 15 days: devices:read"), "\(integrationDetail)")
            let findings = all.filter { ($0["detail"] as? String)?.contains(integration.id) == false }
            let detail = try #require(findings.first?["detail"] as? String)
            #expect(detail.hasSuffix("holds scopes it has not used in its 15 days: alerts:read devices:control:default"), "\(detail)")
            #expect(detail.contains("app \(app)"), "\(detail)")
            #expect((findings.first?["fix"] as? String)?.contains("revoke-grant") == true)
        }
    }
}
