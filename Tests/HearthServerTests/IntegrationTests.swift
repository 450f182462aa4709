import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// Integrations (docs/home-assistant.md): an owner registers Home Assistant, the hub issues it a
/// client certificate standing for an OAuth grant, and the broker takes that certificate as an app
/// of the grant's scopes: it reads the hub's discovery configurations under `homeassistant/#`,
/// commands what its scopes allow and nothing else, and is cut off within a second of the grant's
/// revocation. Played with the mosquitto clients and Eclipse Paho, on SQLite and PostgreSQL.
@Suite(.requires(.mosquittoClients, .pythonModule("paho.mqtt"))) struct IntegrationTests {
    /// A registered integration's files, as Home Assistant's MQTT options take them.
    struct Files {
        let id: String
        let grant: String
        /// The certificate's serial (lowercase hex).
        let serial: String
        let certificate: String
        let key: String
        let root: String

        var paho: [String: String] { ["cert": certificate, "key": key, "id": "home-assistant-\(UUID().uuidString.prefix(6))"] }
    }

    static func register(_ f: MessagingFixture, scope: String) async throws -> Files {
        let response = try await f.hub.client.json(
            "POST", "/v1/integrations", ["kind": "home-assistant", "scope": scope], headers: PKITools.bearer(f.owner))
        try #require(response.status == 201, "register: \(response.status) \(response.text)")
        let body = try response.json()
        let integration = try #require(body["integration"] as? [String: Any])
        let id = try #require(integration["id"] as? String)
        func write(_ key: String, _ name: String) throws -> String {
            let path = f.folder.appendingPathComponent("\(id)-\(name)").path
            try Data(try #require(body[key] as? String, "\(key) in \(body)").utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        return Files(
            id: id, grant: try #require(integration["grant"] as? String), serial: try #require(integration["certificate"] as? String),
            certificate: try write("certificate_pem", "client.crt"),
            key: try write("private_key_pem", "client.key"), root: try write("ca_pem", "ca.crt"))
    }

    static func client(_ f: MessagingFixture, _ files: Files) -> MosquittoClient {
        MosquittoClient(
            port: f.hub.mqttPort, caFile: files.root, credential: .certificate(chain: files.certificate, key: files.key))
    }

    @Test(arguments: TestEngine.allCases)
    func anIntegrationSeesDiscoveryAndCommandsWhatItsGrantAllows(engine: TestEngine) async throws {
        try await MessagingFixture.with(engine: engine) { f in
            let lamp = try await f.device("Lamp", zone: "lighting")
            let plug = try await f.device("Plug")
            let files = try await Self.register(f, scope: "devices:read devices:control:lighting")
            let listed = try await f.hub.client.request("GET", "/v1/integrations", headers: PKITools.bearer(f.owner))
            #expect(listed.text.contains(#""scope":"devices:control:lighting devices:read discovery:read""#), "\(listed.text)")
            // The certificate verifies with openssl against the root handed out with it.
            let verified = try await ProcessRunner.run("/usr/bin/openssl", ["verify", "-CAfile", files.root, "-untrusted", files.certificate, files.certificate])
            #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")

            let integration = Self.client(f, files)
            let discovery = try await integration.subscribe(["homeassistant/#"])
            let lampConfig = "homeassistant/light/\(lamp.id)/light/config"
            let availability = "homeassistant/hearth/\(lamp.id)/availability"
            var config: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(10)
            while config.isEmpty, ContinuousClock.now < deadline {
                if let message = discovery.messages.first(where: { $0.topic == lampConfig }) {
                    config = try #require(try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any])
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(config["command_topic"] as? String == "devices/\(lamp.id)/cmd/power", "\(config)")
            #expect(config["state_topic"] as? String == "devices/\(lamp.id)/state", "\(config)")
            #expect(config["unique_id"] as? String == "hearth_\(lamp.id)_light", "\(config)")
            #expect(try await discovery.waitForMessage("online") != nil, "\(discovery.messages)")
            // Retained: a subscriber that comes later hears them at once.
            let later = try await integration.subscribe([availability, lampConfig], count: 2)
            #expect(await later.exitStatus() == 0, "\(later.messages)")
            #expect(later.messages.count == 2 && later.messages.allSatisfy(\.retained), "\(later.messages)")
            // The plug is in a zone the grant cannot command, and it has no telemetry: no entity.
            #expect(!discovery.messages.contains { $0.topic.contains(plug.id) }, "\(discovery.messages)")

            // Commands: to the lamp, allowed; to the plug, refused (0x87); discovery is the hub's alone.
            let heard = try await f.mosquitto(lamp).subscribe(["devices/\(lamp.id)/cmd/#"])
            #expect(try await integration.publish("devices/\(lamp.id)/cmd/power", "ON").acknowledgement == 0)
            #expect(try await heard.waitForMessage("ON") != nil, "\(heard.messages)")
            #expect(try await integration.publish("devices/\(plug.id)/cmd/power", "ON").acknowledgement == 135)
            #expect(try await integration.publish("homeassistant/status", "online").acknowledgement == 0)
            #expect(try await integration.publish(lampConfig, "{}").acknowledgement == 135)
            #expect(try await f.mosquitto(lamp).publish(lampConfig, "{}").acknowledgement == 135)
            try await heard.stop()

            // Quarantined, the lamp is unavailable: the hub says `offline` for it.
            let quarantine = try await f.hub.client.json(
                "POST", "/v1/devices/\(lamp.id)/quarantine", ["reason": "testing"], headers: PKITools.bearer(f.owner))
            #expect(quarantine.status == 200, "\(quarantine.text)")
            #expect(try await discovery.waitForMessage("offline") != nil, "\(discovery.messages) \(discovery.process.standardError) \(String(describing: discovery.process.exitStatus))")
            // Decommissioned, its entity goes: an empty retained configuration.
            let decommission = try await f.hub.client.request(
                "POST", "/v1/devices/\(lamp.id)/decommission", headers: PKITools.bearer(f.owner))
            #expect(decommission.status == 200, "\(decommission.text)")
            let removedBy = ContinuousClock.now + .seconds(10)
            while !discovery.messages.contains(where: { $0.topic == lampConfig && $0.payload.isEmpty }), ContinuousClock.now < removedBy {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(discovery.messages.contains { $0.topic == lampConfig && $0.payload.isEmpty }, "\(discovery.messages)")
            try await discovery.stop()
        }
    }

    @Test(arguments: TestEngine.allCases)
    func revokingTheGrantCutsTheIntegrationOffWithinASecond(engine: TestEngine) async throws {
        try await MessagingFixture.with(engine: engine) { f in
            let files = try await Self.register(f, scope: "devices:read")
            var config = f.pahoConfig(["ha": files.paho])
            config["ca"] = files.root
            config["client"] = "ha"
            config["protocol"] = 5
            config["subscribe"] = "homeassistant/#"
            let session = try Paho.wait(config, folder: f.folder, name: "ha")
            try await session.connected()
            // Timed from the answer, as every cut-off test here: the revocation has committed then.
            let revoked = try await f.hub.client.request("DELETE", "/v1/oauth/grants/\(files.grant)", headers: PKITools.bearer(f.owner))
            let revokedAt = Date().timeIntervalSince1970
            #expect(revoked.status == 204, "\(revoked.text)")
            let cut = try #require(try await session.cutOff(), "the integration was not cut off")
            print("integration cut off \(String(format: "%.3f", cut.time - revokedAt)) s after its grant's revocation (\(engine)): \(cut)")
            #expect(cut.time - revokedAt < 1.0, "\(cut)")
            #expect(cut.reasonCode == 135, "\(cut)")
            // It cannot come back: its certificate stands for a revoked grant.
            let again = try await Self.client(f, files).publish("homeassistant/status", "online")
            #expect(again.connack == 135, "\(again.output)")
            // A second integration, revoked whole (grant and certificate) through the API.
            let second = try await Self.register(f, scope: "devices:read")
            let gone = try await f.hub.client.request("DELETE", "/v1/integrations/\(second.id)", headers: PKITools.bearer(f.owner))
            #expect(gone.status == 204, "\(gone.text)")
            // Its certificate is revoked too: refused at the TLS handshake, before any CONNECT.
            let refused = try await Self.client(f, second).publish("homeassistant/status", "online")
            #expect(refused.status != 0 && refused.connack == nil, "\(refused.output)")
            let twice = try await f.hub.client.request("DELETE", "/v1/integrations/\(second.id)", headers: PKITools.bearer(f.owner))
            #expect(twice.status == 409, "\(twice.text)")

            // A third, whose certificate alone is revoked: cut off as fast.
            let third = try await Self.register(f, scope: "devices:read")
            config["clients"] = ["ha": third.paho]
            let thirdSession = try Paho.wait(config, folder: f.folder, name: "ha-third")
            try await thirdSession.connected()
            let certificate = try await f.hub.client.json(
                "POST", "/v1/pki/certificates/\(third.serial)/revoke", ["reason": "key-compromise"], headers: PKITools.bearer(f.owner))
            let certificateRevokedAt = Date().timeIntervalSince1970
            #expect(certificate.status == 200, "\(certificate.text)")
            let thirdCut = try #require(try await thirdSession.cutOff(), "the integration was not cut off")
            print("integration cut off \(String(format: "%.3f", thirdCut.time - certificateRevokedAt)) s after its certificate's revocation (\(engine))")
            #expect(thirdCut.time - certificateRevokedAt < 1.0, "\(thirdCut)")
        }
    }

    /// Sensors follow the declared flows: one per field the minimized message keeps, for flows the
    /// grant may read and the household's apps may receive. A sensitive flow appears with the
    /// owner's consent and goes (an empty retained configuration) when it is withdrawn.
    @Test func sensorsFollowDeclaredFlowsAndConsent() async throws {
        try await MessagingFixture.with { f in
            let plug = try await f.device("Plug")
            try await PrivacyRightsTests.declare(f, plug, PrivacyEnforcementTests.flows)
            let files = try await Self.register(f, scope: "telemetry:read:energy telemetry:read:presence")
            let discovery = try await Self.client(f, files).subscribe(["homeassistant/#"])
            func config(_ object: String) -> String { "homeassistant/sensor/\(plug.id)/\(object)/config" }
            func seen(_ topic: String, empty: Bool = false) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if discovery.messages.contains(where: { $0.topic == topic && $0.payload.isEmpty == empty }) { return true }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return false
            }
            // energy keeps watts, at and seq (its minimization drops serial); presence waits for consent.
            for field in ["watts", "at", "seq"] { #expect(try await seen(config("energy_\(field)")), "\(discovery.messages)") }
            #expect(!discovery.messages.contains { $0.topic == config("energy_serial") }, "\(discovery.messages)")
            #expect(!discovery.messages.contains { $0.topic.contains("presence") }, "\(discovery.messages)")
            let watts = try #require(discovery.messages.first { $0.topic == config("energy_watts") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(watts.payload.utf8)) as? [String: Any])
            #expect(object["state_topic"] as? String == "devices/\(plug.id)/telemetry/energy", "\(object)")
            #expect(object["value_template"] as? String == "{{ value_json.watts }}", "\(object)")

            let owner = PKITools.bearer(f.owner)
            let consent = ["scope": "device:\(plug.id)", "flow": "presence", "recipient": "apps"]
            let granted = try await f.hub.client.json(
                "POST", "/v1/privacy/consents", consent.merging(["purpose": "Home Assistant's presence"]) { a, _ in a }, headers: owner)
            #expect(granted.status == 204, "\(granted.text)")
            #expect(try await seen(config("presence_home")), "\(discovery.messages)")
            let withdrawn = try await f.hub.client.json("POST", "/v1/privacy/consents/withdraw", consent, headers: owner)
            #expect(withdrawn.status == 204, "\(withdrawn.text)")
            #expect(try await seen(config("presence_home"), empty: true), "\(discovery.messages)")
            #expect(!discovery.messages.contains { $0.topic == config("energy_watts") && $0.payload.isEmpty }, "\(discovery.messages)")
            try await discovery.stop()
        }
    }

    /// `hearth integrations …` on a data folder: the files Home Assistant's MQTT options take
    /// (the key 0600), the listing, a revocation, and what is refused.
    @Test(.requires(.openssl)) func anOwnerRegistersAndRevokesAnIntegrationFromTheShell() async throws {
        let workspace = try PKILifecycleTests.Workspace("integrations-cli")
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try await workspace.hearth(["init", "--household", "Flat 3", "--owner", "ann@example.org"])
        let out = workspace.path("home-assistant")
        let id = try await workspace.hearth([
            "integrations", "add", "home-assistant", "--scope", "devices:read devices:control:lighting", "--out", out,
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/client.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(attributes)")
        let verified = try await ProcessRunner.run(
            "/usr/bin/openssl", ["verify", "-CAfile", out + "/ca.crt", "-untrusted", out + "/client.crt", out + "/client.crt"])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        let text = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", out + "/client.crt", "-noout", "-text"])
        #expect(text.standardOutput.contains("/integration/\(id)") && text.standardOutput.contains("TLS Web Client Authentication"))
        #expect(!text.standardOutput.contains("TLS Web Server Authentication"), "\(text.standardOutput)")
        let listed = try await workspace.hearth(["integrations", "list"])
        #expect(listed.contains("\(id)  active  devices:control:lighting devices:read discovery:read"), "\(listed)")
        // Renewed: a new key and certificate (longer here), the grant lasting as long; the old one stays valid.
        let first = try String(contentsOfFile: out + "/client.crt", encoding: .utf8)
        let oldKey = try String(contentsOfFile: out + "/client.key", encoding: .utf8)
        let renewed = try await workspace.hearth(["integrations", "renew", id, "--days", "120", "--out", out])
        #expect(renewed.contains("renewed \(id) until"), "\(renewed)")
        #expect(try String(contentsOfFile: out + "/client.crt", encoding: .utf8) != first)
        #expect(try String(contentsOfFile: out + "/client.key", encoding: .utf8) != oldKey)
        let json = try await workspace.hearth(["integrations", "list", "--json"])
        let integration = try #require(
            ((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["integrations"] as? [[String: Any]])?.first)
        let notAfter = try #require(integration["not_after"] as? String)
        let days = try #require(ISO8601DateFormatter().date(from: notAfter)).timeIntervalSinceNow / 86_400
        #expect((119...121).contains(days), "\(json)")
        #expect(try await workspace.hearth(["integrations", "revoke", id]).contains("revoked \(id)"))
        #expect(try await workspace.hearth(["integrations", "list"]).contains("\(id)  revoked"))
        let certificates = try await workspace.hearth(["ca", "list"])
        #expect(certificates.contains("revoked"), "\(certificates)")
        for (arguments, why) in [
            (["integrations", "add", "zigbee", "--scope", "devices:read", "--out", out], "zigbee"),
            (["integrations", "add", "home-assistant", "--scope", "ca:admin", "--out", out], "broker scopes only"),
            (["integrations", "add", "home-assistant", "--scope", "devices:read", "--owner", "bob@example.org", "--out", out], "no owner"),
            (["integrations", "revoke", id], "revoked already"),
            (["integrations", "renew", id, "--out", out], "register it again"),
        ] {
            let refused = try await workspace.run(arguments)
            #expect(refused.status != 0 && refused.standardError.contains(why), "\(arguments): \(refused.standardError)")
        }
    }

    /// The console's apps page registers Home Assistant and shows its files once; the integration's
    /// grant is listed and revoked there like any app's. A form without the CSRF token registers nothing.
    @Test func anOwnerRegistersHomeAssistantInTheConsole() async throws {
        try await withTestHub { hub in
            let browser = try ConsoleTests.Browser(hub)
            try await browser.signIn(hub.ownerEmail, hub.ownerPassword)
            let apps = try await browser.get("/console/apps")
            #expect(apps.html.contains(#"action="/console/apps/integrations""#), "\(apps.html.prefix(300))")
            let csrf = try #require(apps.csrf)
            let forged = try await browser.post("/console/apps/integrations", [("scope", "devices:read")])
            #expect(forged.status == 403)
            let refused = try await browser.post("/console/apps/integrations", [("csrf", csrf), ("scope", "ca:admin")])
            #expect(refused.status == 422 && refused.html.contains("broker scopes only"), "\(refused.status) \(refused.html)")
            #expect(try await IntegrationService(pki: hub.pki).list(household: hub.householdID).isEmpty)

            let registered = try await browser.post(
                "/console/apps/integrations", [("csrf", csrf), ("name", "Home Assistant"), ("scope", "devices:read")])
            #expect(registered.status == 200, "\(registered.html)")
            #expect(registered.header("Cache-Control").first == "no-store")
            for shown in ["BEGIN CERTIFICATE", "BEGIN PRIVATE KEY", "devices:read discovery:read", #"id="integration-key""#] {
                #expect(registered.html.contains(shown), "\(shown) in \(registered.html)")
            }
            let listed = try await IntegrationService(pki: hub.pki).list(household: hub.householdID)
            let grant = try #require(listed.first?.grant)
            let after = try await browser.get("/console/apps")
            #expect(after.html.contains(grant.id) && after.html.contains("Home Assistant"), "\(after.html)")
            // Revoked from the apps page like any grant: the integration is no longer active.
            let revoke = try await browser.post("/console/apps/grants/\(grant.id)/revoke", [("csrf", csrf), ("confirmed", "yes")])
            #expect([200, 303].contains(revoke.status), "\(revoke.status) \(revoke.html)")
            #expect(try await IntegrationService(pki: hub.pki).list(household: hub.householdID).first?.active == false)
        }
    }

    @Test func badRegistrationsAreRefusedAndChangeNothing() async throws {
        try await MessagingFixture.with { f in
            let owner = PKITools.bearer(f.owner)
            let bodies: [[String: Any]] = [
                ["kind": "zigbee", "scope": "devices:read"],
                ["kind": "home-assistant", "scope": "hub:admin"],
                ["kind": "home-assistant", "scope": "devices:read devices:read"],
                ["kind": "home-assistant", "scope": "devices:read", "lifetime_days": 0],
                ["kind": "home-assistant", "scope": "devices:read", "lifetime_days": 366],
                ["kind": "home-assistant", "scope": "devices:read", "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"],
                ["kind": "home-assistant", "scope": "devices:read", "name": String(repeating: "x", count: 81)],
                ["scope": "devices:read"],
            ]
            for body in bodies {
                let response = try await f.hub.client.json("POST", "/v1/integrations", body, headers: owner)
                #expect([400, 422].contains(response.status), "\(body): \(response.status) \(response.text)")
                #expect(response.headers["content-type"]?.hasPrefix("application/problem+json") == true, "\(body): \(response.headers)")
            }
            let unauthenticated = try await f.hub.client.json("POST", "/v1/integrations", ["kind": "home-assistant", "scope": "devices:read"])
            #expect(unauthenticated.status == 401, "\(unauthenticated.text)")
            let listed = try await f.hub.client.request("GET", "/v1/integrations", headers: owner)
            #expect(listed.status == 200 && listed.text.contains(#""integrations":[]"#), "\(listed.text)")
            let unknown = try await f.hub.client.request("DELETE", "/v1/integrations/nothing", headers: owner)
            #expect(unknown.status == 404, "\(unknown.text)")
        }
    }
}
