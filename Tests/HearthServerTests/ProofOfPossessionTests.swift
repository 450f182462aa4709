import Crypto
import Foundation
import HearthTesting
import Testing

/// The `security` zone asks for proof of possession: an app holding a plain bearer token cannot
/// command a lock; one with a DPoP-bound token and a DPoP proof in its CONNECT (MQTT 5
/// authentication method `DPoP`), or with a token bound to the certificate it connects with, can.
/// Played with Eclipse Paho; the DPoP proofs are made by joserfc.
@Suite struct ProofOfPossessionTests {
    static let scope = "devices:control:security"

    @Test(.requires(.pythonModule("paho.mqtt", "joserfc")))
    func onlyAnAppThatProvesPossessionCommandsALock() async throws {
        try await MessagingFixture.with { f in
            let lock = try await f.device("lock", zone: "security")
            // A wall panel: a device with a certificate, whose app is a `tls_client_auth` client bound to it.
            let panel = try await f.device("panel")
            let app = try await MessagingFixture.register(f.hub, owner: f.owner, scope: Self.scope + " offline_access")
            let bearer = try await f.token(Self.scope, app: app)

            let key = P256.Signing.PrivateKey()
            let keyFile = f.folder.appendingPathComponent("dpop-key.pem")
            try Data(key.pemRepresentation.utf8).write(to: keyFile)
            let publicApp = OAuthBadInputTests.Fixture(hub: f.hub, owner: f.owner, issuer: f.issuer, app: app)
            let dpop = try await publicApp.dpopToken(key, scope: Self.scope)

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

            var config = f.pahoConfig([
                "lock": lock.paho,
                "bearer": ["token": bearer],
                "dpop": ["token": dpop, "dpop_key": keyFile.path],
                "certificate": ["token": certificateBound, "cert": panel.chain, "key": panel.key],
            ])
            config["broker_url"] = "mqtts://127.0.0.1:\(f.hub.mqttPort)"
            let run = try await Paho.run("possession", config, folder: f.folder)
            try #require(run.status == 0, "\(run.text)")
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
    }
}
