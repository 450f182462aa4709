import Crypto
import Foundation
import HearthAudit
import HearthDetection
import HearthHub
import HearthOAuth
import HearthTesting
import Testing

/// The `security` zone asks for proof of possession: an app holding a plain bearer token cannot
/// command a lock; one with a DPoP-bound token and a DPoP proof in its CONNECT (MQTT 5
/// authentication method `DPoP`), or with a token bound to the certificate it connects with, can.
/// And a command out of the ordinary — from an app that never commanded the lock — is held until
/// an owner approves it with a second factor. Played with Eclipse Paho; the DPoP proofs are made by
/// joserfc.
@Suite struct ProofOfPossessionTests {
    static let scope = "devices:control:security"

    /// A public app allowed to command `security` devices, a bearer token of it, and a DPoP-bound
    /// token with the PEM file of its key.
    struct Apps {
        let app: String
        let bearer: String
        let dpop: String
        let dpopKey: String

        init(_ f: MessagingFixture) async throws {
            app = try await MessagingFixture.register(f.hub, owner: f.owner, scope: ProofOfPossessionTests.scope + " offline_access")
            bearer = try await f.token(ProofOfPossessionTests.scope, app: app)
            let key = P256.Signing.PrivateKey()
            let keyFile = f.folder.appendingPathComponent("dpop-key-\(UUID().uuidString.prefix(8)).pem")
            try Data(key.pemRepresentation.utf8).write(to: keyFile)
            dpopKey = keyFile.path
            dpop = try await OAuthBadInputTests.Fixture(hub: f.hub, owner: f.owner, issuer: f.issuer, app: app)
                .dpopToken(key, scope: ProofOfPossessionTests.scope)
        }
    }

    static func config(_ f: MessagingFixture, _ clients: [String: [String: String]]) -> [String: Any] {
        var config = f.pahoConfig(clients)
        config["broker_url"] = "mqtts://127.0.0.1:\(f.hub.mqttPort)"
        return config
    }

    @Test(.requires(.pythonModule("paho.mqtt", "joserfc")))
    func onlyAnAppThatProvesPossessionCommandsALock() async throws {
        // Holding unfamiliar commands is the next test's: here every proven command goes through.
        try await MessagingFixture.with(configure: { $0.detection?.commands.holdUnfamiliar = false }) { f in
            let lock = try await f.device("lock", zone: "security")
            let run = try await Paho.run("possession", Self.config(f, try await Self.possessionClients(f, lock: lock)), folder: f.folder)
            Self.expectOnlyProvenCommands(run)
        }
    }

    /// mqtt_interop.py `possession`'s clients: the lock, a bearer app, a DPoP app, and a wall panel
    /// (a device with a certificate) whose app is a `tls_client_auth` client bound to it.
    static func possessionClients(_ f: MessagingFixture, lock: MQTTDevice) async throws -> [String: [String: String]] {
        let panel = try await f.device("panel")
        let apps = try await Apps(f)
        let publicApp = OAuthBadInputTests.Fixture(hub: f.hub, owner: f.owner, issuer: f.issuer, app: apps.app)
        let panelClient = try await publicApp.register([
            "name": "Wall panel", "token_endpoint_auth_method": "tls_client_auth", "device_id": panel.id,
            "scope": Self.scope, "grant_types": ["authorization_code"], "redirect_uris": [OAuthBadInputTests.redirect],
        ])
        let panelApp = OAuthBadInputTests.Fixture(hub: f.hub, owner: f.owner, issuer: f.issuer, app: panelClient)
        let code = try await panelApp.code(scope: Self.scope)
        let redeemed = try await panelApp.send(
            "POST", "/oauth/token",
            form: [
                ("grant_type", "authorization_code"), ("client_id", panelClient), ("code", code.code),
                ("code_verifier", code.verifier), ("redirect_uri", OAuthBadInputTests.redirect),
            ],
            certificate: (panel.chain, panel.key))
        try #require(redeemed.status == 200, "the panel's token: \(redeemed.status) \(redeemed.text)")
        let certificateBound = try #require(try redeemed.json()["access_token"] as? String)
        return [
            "lock": lock.paho,
            "bearer": ["token": apps.bearer],
            "dpop": ["token": apps.dpop, "dpop_key": apps.dpopKey],
            "certificate": ["token": certificateBound, "cert": panel.chain, "key": panel.key],
        ]
    }

    /// A bearer app's command is refused; a DPoP app's and a certificate-bound app's reach the
    /// lock; every wrong proof — a replayed one among them — is refused at CONNECT.
    static func expectOnlyProvenCommands(_ run: (status: Int32, report: [String: Any], text: String)) {
        #expect(run.status == 0, "\(run.text)")
        func outcome(_ name: String) -> [String: Int] {
            (run.report[name] as? [String: Any] ?? [:]).compactMapValues { ($0 as? Int) ?? ($0 as? Bool).map { $0 ? 1 : 0 } }
        }
        for name in ["bearer", "dpop", "certificate"] { print("proof of possession over MQTT: \(name) app → \(outcome(name))") }
        // 0x87 (135): not authorized — the command is refused and never reaches the lock.
        #expect(outcome("bearer") == ["connack": 0, "puback": 135, "heard": 0], "\(run.text)")
        #expect(outcome("dpop") == ["connack": 0, "puback": 0, "heard": 1], "\(run.text)")
        #expect(outcome("certificate") == ["connack": 0, "puback": 0, "heard": 1], "\(run.text)")
        for refused in ["dpop_replayed", "dpop_without_proof", "dpop_for_another_broker", "dpop_for_another_token", "bearer_with_a_proof"] {
            #expect(outcome(refused) == ["connack": 135], "\(refused): \(run.text)")
        }
        // 0x8C: bad authentication method.
        #expect(outcome("unknown_method") == ["connack": 140], "\(run.text)")
    }

    @Test(.requires(.pythonModule("paho.mqtt", "joserfc")))
    func anUnusualCommandIsHeldUntilAnOwnerApprovesIt() async throws {
        try await MessagingFixture.with { f in
            let lock = try await f.device("lock", zone: "security")
            let apps = try await Apps(f)
            let (totp, _) = try await OAuthPeopleTests.enroll(f.hub, session: f.owner)
            let config = Self.config(f, ["lock": lock.paho, "dpop": ["token": apps.dpop, "dpop_key": apps.dpopKey]])
            var withWait = config
            withWait["wait"] = 30
            let app = try HearthProcess(
                executable: "/usr/bin/env", ["python3", Paho.script, "hold", try Paho.write(withWait, folder: f.folder, name: "hold")])
            defer { app.signal(SIGKILL) }
            let events = { app.standardOutput.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            } }
            _ = try await app.waitForOutput(timeout: .seconds(60)) { $0.contains(#""event": "held""#) }
            // 0x83 (131): held, not refused for good; the lock heard nothing.
            #expect(events().first { $0["event"] as? String == "held" }?["puback"] as? Int == 131, "\(app.standardOutput)")

            // The alert (raised within a detection round or two) holds the command.
            var alertID: String?
            for _ in 0..<100 where alertID == nil {
                let listed = try await f.hub.client.request("GET", "/v1/alerts?open=true", headers: OAuthPeopleTests.bearer(f.owner))
                let alerts = try listed.json()["alerts"] as? [[String: Any]] ?? []
                alertID = alerts.first { $0["kind"] as? String == "unusual-command" }?["id"] as? String
                if alertID == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let id = try #require(alertID, "no unusual-command alert")
            let shown = try await f.hub.client.request("GET", "/v1/alerts/\(id)", headers: OAuthPeopleTests.bearer(f.owner))
            #expect(shown.text.contains("hold-command") || shown.text.contains("held command"), "\(shown.text)")

            // A wrong code approves nothing; the right one delivers the command at once.
            let wrong = try await f.hub.client.json(
                "POST", "/v1/alerts/\(id)/approve", ["code": OAuthPeopleTests.wrongCode(totp, at: f.hub.clock.now)],
                headers: OAuthPeopleTests.bearer(f.owner))
            #expect(wrong.status == 403, "\(wrong.status) \(wrong.text)")
            let approvedAt = Date().timeIntervalSince1970
            // The enrollment used the current step's code; the next step's is the next one accepted.
            let approved = try await f.hub.client.json(
                "POST", "/v1/alerts/\(id)/approve", ["code": totp.code(at: f.hub.clock.now.addingTimeInterval(30))],
                headers: OAuthPeopleTests.bearer(f.owner))
            try #require(approved.status == 200, "\(approved.status) \(approved.text)")
            #expect(try approved.json()["state"] as? String == "approved", "\(approved.text)")
            let again = try await f.hub.client.json(
                "POST", "/v1/alerts/\(id)/approve", ["code": totp.code(at: f.hub.clock.now.addingTimeInterval(60))],
                headers: OAuthPeopleTests.bearer(f.owner))
            #expect(again.status == 409, "\(again.status) \(again.text)")

            _ = try await app.waitForOutput(timeout: .seconds(60)) { $0.contains(#""event": "second""#) }
            let delivered = try #require(events().first { $0["event"] as? String == "delivered" }, "\(app.standardOutput)")
            let latency = (delivered["time"] as? Double ?? 0) - approvedAt
            print("unusual command: held (PUBACK 0x83), delivered \(String(format: "%.3f", latency)) s after the approval was sent")
            #expect(latency < 5, "delivered \(latency) s after the approval")
            // The app is familiar with the lock now: its next command goes through unheld.
            let second = try #require(events().first { $0["event"] as? String == "second" })
            #expect(second["puback"] as? Int == 0 && second["heard"] as? Bool == true, "\(app.standardOutput)")
            let alert = try await f.hub.client.request("GET", "/v1/alerts/\(id)", headers: OAuthPeopleTests.bearer(f.owner))
            #expect(try alert.json()["acknowledged_at"] is String, "\(alert.text)")
            let audit = try await OAuthPeopleTests.entries(f.hub, action: .commandApproved)
            #expect(audit.count == 1)
        }
    }
}
