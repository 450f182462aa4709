import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// A device certified by the hub: its id, serial, and the files mosquitto and Paho present.
struct MQTTDevice: Sendable {
    let name: String
    let id: String
    let serial: String
    let chain: String
    let key: String

    /// As mqtt_interop.py's configuration names it.
    var paho: [String: String] { ["cert": chain, "key": key, "id": id] }
}

/// An in-process hub for the MQTT tests: the owner signed in, a public app registered for the
/// authorization code flow (with every scope the tests ask for), a folder for keys and configs.
struct MessagingFixture: Sendable {
    let hub: TestHub
    let folder: URL
    let owner: String
    let issuer: String
    let app: String

    static let appScope = "devices:read devices:control:lighting devices:control:default devices:manage offline_access"

    var oauth: OAuthBadInputTests.Fixture { .init(hub: hub, owner: owner, issuer: issuer, app: app) }

    /// `ticking`: the hub's clock runs with real time (and moves further when a test advances
    /// it), since the outside clients here wait in real time for what the broker times by the
    /// hub's clock (token and message expiry).
    static func with(
        engine: TestEngine = .sqlite, ticking: Bool = true, configure: (inout HubConfiguration) -> Void = { _ in },
        _ body: @Sendable (MessagingFixture) async throws -> Void
    ) async throws {
        try await withTestHub(engine: engine, ticking: ticking, configure: {
            $0.signInFreeFailures = 10_000
            configure(&$0)
        }) { hub in
            let folder = try TemporaryFolder.make(prefix: "mqtt-interop")
            defer { try? FileManager.default.removeItem(at: folder) }
            let owner = try await PKITools.token(hub)
            let app = try await register(hub, owner: owner)
            try await body(MessagingFixture(hub: hub, folder: folder, owner: owner, issuer: "https://127.0.0.1:\(hub.port)", app: app))
        }
    }

    static func register(_ hub: TestHub, owner: String, scope: String = appScope) async throws -> String {
        let response = try await hub.client.json(
            "POST", "/v1/oauth/clients",
            [
                "name": "Home app", "token_endpoint_auth_method": "none", "redirect_uris": [OAuthBadInputTests.redirect],
                "grant_types": ["authorization_code", "refresh_token"], "scope": scope,
            ],
            headers: PKITools.bearer(owner))
        try #require(response.status == 201, "register the app: \(response.status) \(response.text)")
        return try #require(try response.json()["client_id"] as? String)
    }

    /// A new device of `zone`, certified through the API by `owner` (the first household's by default).
    func device(_ name: String, zone: String = "default", owner: String? = nil) async throws -> MQTTDevice {
        let issued = try await PKITools.issue(
            hub, token: owner ?? self.owner, folder: folder, name: name, fields: ["zone": zone, "name": name])
        let id = try #require(issued.fields["device"] as? String, "\(issued.fields)")
        #expect(issued.fields["zone"] as? String == zone)
        return MQTTDevice(name: name, id: id, serial: issued.serial, chain: issued.chain, key: issued.key)
    }

    /// An access token for `scope`, by the authorization code flow with PKCE, a person (the first
    /// owner by default) allowing it on the consent page.
    func token(
        _ scope: String, app: String? = nil, as person: (email: String, password: String)? = nil, totp: String? = nil
    ) async throws -> String {
        let app = app ?? self.app
        let pkce = OAuthBadInputTests.PKCEPair()
        let query = OAuthBadInputTests.Form.encode([
            ("response_type", "code"), ("client_id", app), ("redirect_uri", OAuthBadInputTests.redirect), ("scope", scope),
            ("state", "s1"), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256"),
        ])
        let consent = try await oauth.consent("/oauth/authorize?" + query)
        let allowed = try await oauth.send(
            "POST", "/oauth/authorize",
            form: consent.fields + [
                ("email", person?.email ?? hub.ownerEmail), ("password", person?.password ?? hub.ownerPassword), ("decision", "allow"),
            ] + (totp.map { [("totp", $0)] } ?? []),
            headers: [("Cookie", consent.cookie)])
        try #require(allowed.status == 303, "allow \(scope): \(allowed.status) \(allowed.text)")
        let code = try #require(OAuthBadInputTests.Form.query(of: allowed.header("location") ?? "")["code"], "\(allowed.headers)")
        let redeemed = try await oauth.send(
            "POST", "/oauth/token",
            form: [
                ("grant_type", "authorization_code"), ("client_id", app), ("code", code), ("code_verifier", pkce.verifier),
                ("redirect_uri", OAuthBadInputTests.redirect),
            ])
        try #require(redeemed.status == 200, "redeem \(scope): \(redeemed.status) \(redeemed.text)")
        return try #require(try redeemed.json()["access_token"] as? String)
    }

    /// A second household, with its CAs, an owner signed in and an app of its own registered.
    func secondHousehold() async throws -> (owner: String, email: String, password: String, app: String) {
        let household = try Household(name: "Next door", createdAt: hub.clock.now)
        try await hub.store.write { db in try await db.households.insert(household) }
        try await hub.pki.ensureHierarchy(actor: .system("test"))
        let (email, password) = ("neighbour@example.org", "correct horse battery staple")
        _ = try await hub.addPerson(household: household.id, email: email, role: .owner, password: password)
        let owner = try await PKITools.token(hub, email: email, password: password)
        return (owner, email, password, try await Self.register(hub, owner: owner))
    }

    func mosquitto(_ device: MQTTDevice, clientID: String? = nil) -> MosquittoClient {
        MosquittoClient(
            port: hub.mqttPort, caFile: hub.certificatePath, credential: .certificate(chain: device.chain, key: device.key),
            clientID: clientID)
    }

    func mosquitto(token: String) -> MosquittoClient {
        MosquittoClient(port: hub.mqttPort, caFile: hub.certificatePath, credential: .token(token))
    }

    /// mqtt_interop.py's configuration for this hub.
    func pahoConfig(_ clients: [String: [String: String]]) -> [String: Any] {
        ["host": "127.0.0.1", "port": hub.mqttPort, "ca": hub.certificatePath, "clients": clients]
    }
}

/// scripts/test-tools/mqtt_interop.py, run by python3 with a configuration file.
enum Paho {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/mqtt_interop.py").path

    static func write(_ config: [String: Any], folder: URL, name: String) throws -> String {
        let path = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).json").path
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs a mode to completion: its exit status, its JSON report (also on failure) and its output.
    static func run(_ mode: String, _ config: [String: Any], folder: URL) async throws -> (status: Int32, report: [String: Any], text: String) {
        let path = try write(config, folder: folder, name: mode)
        let result = try await ProcessRunner.run("/usr/bin/env", ["python3", script, mode, path])
        let json = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))) as? [String: Any] ?? [:]
        return (result.status, json["report"] as? [String: Any] ?? [:], result.standardOutput + result.standardError)
    }

    static func wait(_ config: [String: Any], folder: URL, name: String) throws -> Waiter {
        Waiter(process: try HearthProcess(executable: "/usr/bin/env", ["python3", script, "wait", try write(config, folder: folder, name: name)]))
    }

    /// A Paho client connected in `wait` mode, reporting when the broker cuts it off.
    struct Waiter: Sendable {
        let process: HearthProcess

        struct Cut: Sendable, CustomStringConvertible {
            /// `time.time()` in Paho's on_disconnect callback.
            let time: Double
            let reasonCode: Int
            let reason: String

            var description: String { "disconnected at \(time) with \(reasonCode) (\(reason))" }
        }

        private func event(_ name: String) -> [String: Any]? {
            process.standardOutput.split(separator: "\n").lazy.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { $0["event"] as? String == name }
        }

        /// Waits until the client is connected (and subscribed).
        func connected() async throws {
            _ = try await process.waitForOutput(timeout: .seconds(30)) { $0.contains(#""event": "connected""#) }
        }

        /// Waits for the disconnection; nil if the client is still connected after `timeout`.
        func cutOff(timeout: Duration = .seconds(10)) async throws -> Cut? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let event = event("disconnected") {
                    return Cut(
                        time: event["time"] as? Double ?? 0, reasonCode: event["reason_code"] as? Int ?? -1,
                        reason: event["reason"] as? String ?? "")
                }
                if process.exitStatus != nil, event("disconnected") == nil { return nil }
                try await Task.sleep(for: .milliseconds(20))
            }
            process.signal(SIGKILL)
            return nil
        }
    }
}
