import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthOAuth
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// The authorization server's keys and the CLI's remote sign-in, with the real binary: a
/// signing-key rotation by `hearth clients rotate-signing-key` reaching a running `hearth serve`,
/// `hearth login` (device authorization grant) approved on the hub's page and `hearth api` using
/// the saved token, and a KEK rotation that re-seals the signing key and a TOTP secret.
// Serialized: each test runs hearth processes; run side by side with the rest of the suite they pushed the test
// process past a thousand open descriptors.
@Suite(.serialized) struct OAuthKeysAndLoginTests {
    typealias Workspace = PKILifecycleTests.Workspace
    typealias Browser = OAuthPeopleTests.Browser
    typealias AssertionKey = OAuthPeopleTests.AssertionKey

    static let ownerEmail = "owner@home.arpa"
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// A running `hearth serve` on the workspace, with what its clients need.
    struct RunningHub {
        let process: HearthProcess
        let issuer: String
        let root: String

        init(_ space: Workspace) async throws {
            process = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0"])
            let port = try await process.waitForPort()
            issuer = "https://127.0.0.1:\(port)"
            root = space.rootCertificate
        }

        var client: CurlClient { CurlClient(baseURL: issuer, caCertificatePath: root) }

        func stop() async throws {
            process.signal(SIGTERM)
            try await process.waitForExit(timeout: .seconds(30))
        }

        /// The published JWK Set's keys.
        func jwks() async throws -> [[String: Any]] {
            let response = try await client.request("GET", "/oauth/jwks.json")
            try #require(response.status == 200, "jwks: \(response.status) \(response.text)")
            return try #require(try response.json()["keys"] as? [[String: Any]])
        }

        func form(_ path: String, _ fields: [(String, String)]) async throws -> [String: Any] {
            let response = try await client.request(
                "POST", path, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Data(OAuthPeopleTests.formEncoded(fields).utf8))
            return try response.json()
        }

        /// A client-credentials token for a `private_key_jwt` client (real time, as the hub's clock).
        func clientCredentials(client: String, key: AssertionKey) async throws -> String {
            let assertion = try key.assertion(client: client, audience: issuer + "/oauth/token", now: Date())
            let answer = try await form("/oauth/token", [
                ("grant_type", "client_credentials"), ("client_assertion_type", OAuthKeysAndLoginTests.assertionType),
                ("client_assertion", assertion),
            ])
            return try #require(answer["access_token"] as? String, "client credentials: \(answer)")
        }

        func introspect(_ token: String, client: String, key: AssertionKey) async throws -> [String: Any] {
            let assertion = try key.assertion(client: client, audience: issuer + "/oauth/introspect", now: Date())
            return try await form("/oauth/introspect", [
                ("client_assertion_type", OAuthKeysAndLoginTests.assertionType), ("client_assertion", assertion), ("token", token),
            ])
        }
    }

    /// Registers a `private_key_jwt` client with the CLI; its client_id.
    static func registerAssertionClient(_ space: Workspace, key: AssertionKey, name: String) async throws -> String {
        let jwks = space.path("\(name).jwks")
        try Data(key.jwksJSON.utf8).write(to: URL(fileURLWithPath: jwks))
        let id = try await space.hearth([
            "clients", "add", "--name", name, "--auth", "private_key_jwt", "--jwks", jwks, "--scope", "devices:read",
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!id.isEmpty && !id.contains(" "), "clients add printed \(id)")
        return id
    }

    /// Whether `jwt` is an ES256 signature by `jwk` (a member of the published set).
    static func verifies(_ jwt: String, with jwk: [String: Any]) throws -> Bool {
        let key = try JSONDecoder().decode(PublicJWK.self, from: try JSONSerialization.data(withJSONObject: jwk)).publicKey()
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Base64URL.decode(String(parts[2])),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
        else { return false }
        return key.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8))
    }

    static func kid(_ jwt: String) throws -> String? { try OAuthPeopleTests.jwtPart(jwt, 0)["kid"] as? String }

    // MARK: - 7. signing-key rotation while the hub runs

    @Test func aSigningKeyRotatedByTheCLIReachesTheRunningHubWithinSeconds() async throws {
        let space = try Workspace("hearth-oauth-keys")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        let key = AssertionKey()
        let client = try await Self.registerAssertionClient(space, key: key, name: "dashboard")
        let hub = try await RunningHub(space)
        defer { hub.process.signal(SIGKILL) }

        let before = try await hub.jwks()
        try #require(before.count == 1, "one key before the rotation: \(before)")
        let oldKID = try #require(before[0]["kid"] as? String)
        let old = try await hub.clientCredentials(client: client, key: key)
        #expect(try Self.kid(old) == oldKID)
        #expect(try Self.verifies(old, with: before[0]))

        let rotated = try await space.hearth(["clients", "rotate-signing-key"])
        let newKID = try #require(
            rotated.components(separatedBy: "signing with key ").last?.trimmingCharacters(in: .whitespacesAndNewlines),
            "\(rotated)")
        #expect(!newKID.isEmpty && newKID != oldKID, "\(rotated)")

        // The hub notices within one key-watch interval (5 s). What is checked is the start of the
        // last look that still missed the new key: a look that began later than that bound and
        // missed it would prove the hub late, while the time a look takes under load proves nothing.
        let rotatedAt = ContinuousClock.now
        var seen = false
        var lastMiss: ContinuousClock.Instant?
        var published: [[String: Any]] = []
        while ContinuousClock.now - rotatedAt < .seconds(15) {
            let attempt = ContinuousClock.now
            published = try await hub.jwks()
            if Set(published.compactMap { $0["kid"] as? String }) == [oldKID, newKID] {
                seen = true
                break
            }
            lastMiss = attempt
            try await Task.sleep(for: .milliseconds(200))
        }
        try #require(seen, "the JWKS still lists \(published) 15 s after the rotation")
        if let lastMiss {
            #expect(lastMiss - rotatedAt < .seconds(6.5), "the running hub still lacked the new key \(lastMiss - rotatedAt) after the rotation")
        }

        let fresh = try await hub.clientCredentials(client: client, key: key)
        let freshKID = try Self.kid(fresh)
        #expect(freshKID == newKID, "a token signed after the rotation names key \(freshKID ?? "none")")
        let newJWK = try #require(published.first { $0["kid"] as? String == newKID })
        let oldJWK = try #require(published.first { $0["kid"] as? String == oldKID })
        #expect(try Self.verifies(fresh, with: newJWK) && !Self.verifies(fresh, with: oldJWK))
        #expect(try Self.verifies(old, with: oldJWK))
        // The old key's tokens stay valid until they expire.
        let oldStatus = try await hub.introspect(old, client: client, key: key)
        #expect(oldStatus["active"] as? Bool == true, "a token of the retired key: \(oldStatus)")
        #expect(try await hub.introspect(fresh, client: client, key: key)["active"] as? Bool == true)

        let audited = try await space.hearth(["audit", "search", "--action", "oauth.key_rotated"])
        #expect(audited.contains("oauth.key_rotated") && audited.contains(newKID), "\(audited)")
    }

    /// docs/oauth.md: "the old one stays in the JWKS, verifying, until 12 minutes later (after its
    /// last token expired)". In-process, so the hub's clock can pass those 12 minutes; the key
    /// watch (every 5 s of real time) is what must notice.
    @Test func aRetiredKeyLeavesTheJWKSOnceItsLastTokenHasExpired() async throws {
        try await withTestHub { hub in
            func kids() async throws -> Set<String> {
                let response = try await hub.client.request("GET", "/oauth/jwks.json")
                let keys = (try? response.json())?["keys"] as? [[String: Any]] ?? []
                #expect(response.status == 200 && !keys.isEmpty, "jwks: \(response.status) \(response.text)")
                return Set(keys.compactMap { $0["kid"] as? String })
            }
            /// Polls the JWKS until it is `expected` or 15 s pass; what it was last.
            func waitFor(_ expected: Set<String>) async throws -> Set<String> {
                let start = ContinuousClock.now
                var seen = try await kids()
                while seen != expected, ContinuousClock.now - start < .seconds(15) {
                    try await Task.sleep(for: .milliseconds(250))
                    seen = try await kids()
                }
                return seen
            }
            let before = try await kids()
            try #require(before.count == 1, "\(before)")
            let oldKID = try #require(before.first)
            let newKID = try await OAuthAdministration.rotateSigningKey(pki: hub.pki, actor: .system("test"))
            let overlap = try await waitFor([oldKID, newKID])
            #expect(overlap == [oldKID, newKID], "after the rotation: \(overlap)")

            // 12 minutes and a second later every token of the old key has expired.
            hub.clock.advance(by: 12 * 60 + 1)
            let published = try await hub.store.read { db in try await db.oauthKeys.published(at: db.clock.now) }
            #expect(published.map(\.kid) == [newKID], "the store no longer publishes the old key")
            let after = try await waitFor([newKID])
            #expect(after == [newKID], "the running hub still publishes the retired key \(oldKID) 12 minutes after the rotation")
        }
    }

    // MARK: - 8. hearth login and hearth api

    @Test func hearthLoginIsApprovedInTheBrowserAndHearthAPIUsesItsToken() async throws {
        let space = try Workspace("hearth-oauth-login")
        defer { try? FileManager.default.removeItem(at: space.root) }
        let password = try #require(HearthProcess.oneTimePassword(in: try await space.hearth(["init"])))
        let client = try await space.hearth([
            "clients", "add", "--name", "hearth CLI", "--auth", "none",
            "--grant-type", "urn:ietf:params:oauth:grant-type:device_code", "--grant-type", "refresh_token",
            "--scope", "devices:read offline_access",
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
        let hub = try await RunningHub(space)
        defer { hub.process.signal(SIGKILL) }
        let credentials = space.path("config/hearth/credentials.json")

        let login = try HearthProcess([
            "login", "--hub", hub.issuer, "--ca-root", space.rootCertificate, "--client-id", client,
            "--scope", "devices:read offline_access", "--credentials", credentials,
        ])
        defer { login.signal(SIGKILL) }
        let shown = try await login.waitForOutput(timeout: .seconds(30)) { $0.contains("Waiting for approval") }
        let link = try #require(
            shown.split(separator: "\n").first { $0.hasPrefix("Open ") }.map { String($0.dropFirst("Open ".count)) }, "\(shown)")
        #expect(link.hasPrefix(hub.issuer + "/oauth/device?user_code="), "\(link)")
        let userCode = try #require(link.components(separatedBy: "user_code=").last)
        #expect(userCode.count == 9 && userCode.dropFirst(4).first == "-", "\(userCode)")
        #expect(shown.contains("shows the code \(userCode)"))
        #expect(!FileManager.default.fileExists(atPath: credentials), "nothing is saved before the approval")

        let browser = try Browser(baseURL: hub.issuer, caCertificate: space.rootCertificate)
        defer { browser.close() }
        let approved = try await browser.approveDevice(userCode: userCode, email: Self.ownerEmail, password: password)
        #expect(approved.status == 200 && approved.body.contains("Approved"), "\(approved.status) \(approved.body)")

        let status = try await login.waitForExit(timeout: .seconds(60))
        #expect(status == 0, "hearth login: \(login.standardOutput) \(login.standardError)")
        #expect(login.standardOutput.contains("signed in; tokens saved to \(credentials)"))
        let mode = try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600, "the credentials file's mode is \(String(mode?.intValue ?? 0, radix: 8))")
        let saved = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials))) as? [String: Any])
        let access = try #require(saved["accessToken"] as? String, "\(saved.keys.sorted())")
        #expect(saved["refreshToken"] is String, "offline_access gives a refresh token")
        let claims = try OAuthPeopleTests.claims(access)
        #expect(claims["scope"] as? String == "devices:read offline_access" && claims["client_id"] as? String == client)

        let devices = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["api", "GET", "/v1/devices", "--credentials", credentials])
        #expect(devices.status == 0, "hearth api: \(devices.standardOutput) \(devices.standardError)")
        let listed = try? JSONSerialization.jsonObject(with: Data(devices.standardOutput.utf8)) as? [String: Any]
        #expect(listed?["devices"] is [Any], "\(devices.standardOutput)")
        let audit = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["api", "GET", "/v1/audit/entries", "--credentials", credentials])
        #expect(audit.status != 0, "the token has no audit:read: \(audit.standardOutput)")
        #expect(audit.standardOutput.contains("insufficient-scope"), "\(audit.standardOutput) \(audit.standardError)")

        // An expired token is refreshed (the refresh token rotates) and saved, still mode 0600.
        var expired = saved
        expired["expiresAt"] = 0
        try JSONSerialization.data(withJSONObject: expired).write(to: URL(fileURLWithPath: credentials))
        let refreshed = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["api", "GET", "/v1/devices", "--credentials", credentials])
        #expect(refreshed.status == 0, "hearth api after expiry: \(refreshed.standardOutput) \(refreshed.standardError)")
        let resaved = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: credentials))) as? [String: Any])
        #expect(resaved["accessToken"] as? String != access, "the access token was not refreshed")
        #expect(resaved["refreshToken"] as? String != saved["refreshToken"] as? String, "the refresh token did not rotate")
        let modeAfter = try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? NSNumber
        #expect(modeAfter?.intValue == 0o600, "after a refresh the mode is \(String(modeAfter?.intValue ?? 0, radix: 8))")
    }

    // MARK: - 9. KEK rotation re-seals the signing key and TOTP secrets

    @Test func rotatingTheKEKResealsTheSigningKeyAndTOTPSecrets() async throws {
        let space = try Workspace("hearth-oauth-kek")
        defer { try? FileManager.default.removeItem(at: space.root) }
        let password = try #require(HearthProcess.oneTimePassword(in: try await space.hearth(["init"])))
        let key = AssertionKey()
        let client = try await Self.registerAssertionClient(space, key: key, name: "dashboard")

        // A signing key (made at the first use) and an enrolled second factor.
        var hub = try await RunningHub(space)
        let published = try await hub.jwks()
        try #require(published.count == 1, "\(published)")
        let kid = try #require(published[0]["kid"] as? String)
        let signedIn = try await hub.client.json("POST", "/v1/session", ["email": Self.ownerEmail, "password": password])
        try #require(signedIn.status == 201, "\(signedIn.text)")
        let session = try #require(try signedIn.json()["token"] as? String)
        let person = try #require((try signedIn.json()["person"] as? [String: Any])?["id"] as? String)
        let begun = try await hub.client.request("POST", "/v1/me/second-factor", headers: OAuthPeopleTests.bearer(session))
        let secret = try #require(try begun.json()["secret"] as? String, "\(begun.text)")
        let totp = try #require(TOTP(base32Secret: secret))
        let confirmed = try await hub.client.json(
            "POST", "/v1/me/second-factor/confirm", ["code": totp.code(at: Date())], headers: OAuthPeopleTests.bearer(session))
        try #require(confirmed.status == 200, "\(confirmed.text)")
        try await hub.stop()

        let kekPath = space.data.appendingPathComponent("kek").path
        let oldKEK = try #require(FileManager.default.contents(atPath: kekPath))
        let output = try await space.hearth(["ca", "rotate-kek"])
        #expect(output.contains("re-sealed 14 keys"),
                "root, five intermediates, the hub's TLS key, the audit key, the token-signing key, one TOTP secret and the firmware repository's four role keys: \(output)")
        #expect(FileManager.default.contents(atPath: kekPath) != oldKEK)

        // The hub starts with the new KEK: the same signing key signs, and TOTP still checks.
        hub = try await RunningHub(space)
        defer { hub.process.signal(SIGKILL) }
        let after = try await hub.jwks()
        #expect(after.count == 1 && after.first?["kid"] as? String == kid, "\(after)")
        #expect(after.first?["x"] as? String == published[0]["x"] as? String && after.first?["y"] as? String == published[0]["y"] as? String)
        let token = try await hub.clientCredentials(client: client, key: key)
        #expect(try Self.kid(token) == kid && Self.verifies(token, with: published[0]), "signed by the re-sealed key")
        let missing = try await hub.client.json("POST", "/v1/session", ["email": Self.ownerEmail, "password": password])
        #expect(missing.status == 401 && OAuthPeopleTests.problemCode(missing) == "second-factor-required", "\(missing.text)")
        // The next step's code (the hub accepts one step either side; the confirmation used the current one).
        let withCode = try await hub.client.json(
            "POST", "/v1/session",
            ["email": Self.ownerEmail, "password": password, "totp": totp.code(at: Date().addingTimeInterval(30))])
        #expect(withCode.status == 201, "sign-in with TOTP after the KEK rotation: \(withCode.text)")
        // The firmware repository's role keys open under the new KEK: a rotation signs with the old root key.
        let rotated = try await space.hearth(["firmware", "rotate", "timestamp"])
        #expect(rotated.contains("the timestamp role's key is now"), "\(rotated)")
        try await hub.stop()

        // In this process with the folder's (new) KEK: the sealed key opens and is the published
        // key; the TOTP secret opens and is the enrolled one; the old KEK opens neither.
        struct Secret {
            let name: String
            let needles: [Data]
            let sealed: Data
        }
        let secrets = try await PKITools.withDataFolder(space.data) { store, sealer -> [Secret] in
            let (keys, factors) = try await store.read { db in
                (try await db.oauthKeys.all(), try await db.secondFactors.allSealed())
            }
            try #require(keys.count == 1 && keys[0].kid == kid, "\(keys.map(\.kid))")
            let opened = try sealer.openKey(keys[0].sealedKey, .p256, name: "oauth-key:\(kid)")
            let privateKey = try #require(opened.softwareP256)
            let raw = Array(privateKey.rawRepresentation)
            let jwk = PublicJWK(kid: kid, publicKey: privateKey.publicKey)
            #expect(jwk.x == published[0]["x"] as? String && jwk.y == published[0]["y"] as? String,
                    "the sealed key is not the published one")
            #expect(throws: (any Error).self, "the old KEK still opens the signing key") {
                try KeySealer(kek: Array(oldKEK)).open(keys[0].sealedKey, name: "oauth-key:\(kid)")
            }
            try #require(factors.count == 1 && factors[0].person == person, "\(factors.map(\.person))")
            let totpSecret = try sealer.open(factors[0].sealed, name: "totp:\(person)")
            #expect(totpSecret == totp.secret, "the sealed TOTP secret is not the enrolled one")
            #expect(throws: (any Error).self, "the old KEK still opens the TOTP secret") {
                try KeySealer(kek: Array(oldKEK)).open(factors[0].sealed, name: "totp:\(person)")
            }
            let pem = privateKey.pemRepresentation
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let keyNeedles = [
                Data(raw), privateKey.derRepresentation, Data(pem.utf8), Data(body.utf8), Data(Data(raw).base64EncodedString().utf8),
                Data(Base64URL.encode(raw).utf8), Data(raw.hexString.utf8), Data(raw.hexString.uppercased().utf8),
            ]
            let totpNeedles = [
                Data(totpSecret), Data(secret.utf8), Data(secret.lowercased().utf8), Data(totpSecret.hexString.utf8),
                Data(Data(totpSecret).base64EncodedString().utf8),
            ]
            return [
                Secret(name: "token-signing key", needles: keyNeedles, sealed: Data(keys[0].sealedKey)),
                Secret(name: "TOTP secret", needles: totpNeedles, sealed: Data(factors[0].sealed)),
            ]
        }

        // No file of the data folder (the database included) holds either in clear, while their
        // sealed forms are found, so the scan does read the rows.
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: space.data.path)
        while let name = enumerator?.nextObject() as? String {
            let path = space.data.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = FileManager.default.contents(atPath: path) ?? Data()
        }
        #expect(files.keys.contains { $0.hasSuffix(".sqlite") }, "\(files.keys.sorted())")
        for secret in secrets {
            #expect(files.values.contains { ByteSearch.contains($0, secret.sealed) }, "the sealed \(secret.name) is in no file")
            for (file, bytes) in files {
                for (index, needle) in secret.needles.enumerated() where ByteSearch.contains(bytes, needle) {
                    Issue.record("the \(secret.name) (form \(index)) is in clear in \(file)")
                }
            }
        }
    }
}
