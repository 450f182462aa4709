import Foundation
import HearthTesting
import Testing

/// The authorization server with clients nobody here wrote: Authlib (Python) through the sign-in
/// page, refresh rotation, the device flow, DPoP (proofs by joserfc) and introspection; curl with a
/// device certificate through client credentials and a gateway's token exchange. Against a real
/// `hearth serve` process (its clock is the real one, as DPoP proofs need), clients registered by
/// the CLI.
@Suite struct OAuthInteropTests {
    typealias Workspace = PKILifecycleTests.Workspace

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/oauth_interop.py").path

    @Test(arguments: TestEngine.allCases)
    func authlibAndCurlDriveEveryGrant(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let space = try Workspace("hearth-oauth")
            defer { try? FileManager.default.removeItem(at: space.root) }
            let initialized = try await space.hearth(["init"], database: database)
            let password = try #require(HearthProcess.oneTimePassword(in: initialized))

            let app = try await space.hearth([
                "clients", "add", "--name", "Phone app", "--auth", "none", "--redirect-uri", "http://127.0.0.1:8765/callback",
                "--grant-type", "authorization_code", "--grant-type", "refresh_token",
                "--grant-type", "urn:ietf:params:oauth:grant-type:device_code",
                "--scope", "devices:read devices:manage offline_access",
            ], database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            try await Workspace.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", space.path("rs.ec")])
            try await Workspace.openssl(["pkcs8", "-topk8", "-nocrypt", "-in", space.path("rs.ec"), "-out", space.path("rs.key")])
            let jwks = try await ProcessRunner.run("/usr/bin/env", ["python3", Self.script, "jwks", space.path("rs.key")])
            try #require(jwks.status == 0, "\(jwks.standardError)")
            try Data(jwks.standardOutput.utf8).write(to: URL(fileURLWithPath: space.path("rs.jwks")))
            let resourceServer = try await space.hearth([
                "clients", "add", "--name", "Dashboard backend", "--auth", "private_key_jwt", "--jwks", space.path("rs.jwks"),
                "--scope", "devices:read",
            ], database: database).trimmingCharacters(in: .whitespacesAndNewlines)

            var arguments = ["serve", "--data", space.data.path, "--listen", "127.0.0.1:0"]
            if engine == .postgres { arguments += ["--database", database.url] }
            let hub = try HearthProcess(arguments)
            defer { hub.signal(SIGKILL) }
            let port = try await hub.waitForPort()
            let issuer = "https://127.0.0.1:\(port)"

            let config: [String: String] = [
                "issuer": issuer, "ca": space.rootCertificate, "email": "owner@home.arpa", "password": password,
                "public_client": app, "redirect_uri": "http://127.0.0.1:8765/callback",
                "confidential_client": resourceServer, "confidential_key": space.path("rs.key"),
            ]
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: space.path("config.json")))
            let flows = try await ProcessRunner.run("/usr/bin/env", ["python3", Self.script, "flows", space.path("config.json")])
            #expect(flows.status == 0, "Authlib flows: \(flows.standardOutput)\(flows.standardError)")
            for flow in ["authorization_code", "code_reuse_revokes", "refresh_rotation", "device_flow", "dpop", "introspection_and_revocation"] {
                #expect(flows.standardOutput.contains("\"\(flow)\": \"ok\""), "\(flow) did not run")
            }

            // A gateway with its certificate: client credentials with a certificate-bound token,
            // then token exchange for the device behind it — and for no other.
            try await space.makeCSR("gateway")
            let issued = try await space.run(
                ["ca", "issue", "--csr", space.path("gateway.csr"), "--profile", "gateway", "--name", "hall gateway"],
                database: database)
            try #require(issued.status == 0, "\(issued.standardError)")
            try Data(issued.standardOutput.utf8).write(to: URL(fileURLWithPath: space.path("gateway.pem")))
            let gateway = try #require(
                issued.standardError.firstMatch(of: /\/device\/([A-Za-z0-9_-]{22})/).map { String($0.1) },
                "no device id in: \(issued.standardError)")
            let gatewayClient = try await space.hearth([
                "clients", "add", "--name", "hall gateway", "--auth", "tls_client_auth", "--device", gateway,
                "--grant-type", "client_credentials", "--grant-type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "--scope", "devices:read",
            ], database: database).trimmingCharacters(in: .whitespacesAndNewlines)
            let bulb = try await space.hearth(["devices", "behind", gateway, "--name", "bulb"], database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let stranger = try await space.hearth(["devices", "behind", gateway, "--name", "stranger"], database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!bulb.isEmpty && bulb != stranger)

            func token(_ form: [String], certificate: Bool = true) async throws -> [String: Any] {
                var curl = ["-s", "--max-time", "10", "--cacert", space.rootCertificate]
                if certificate { curl += ["--cert", space.path("gateway.pem"), "--key", space.path("gateway.key")] }
                for field in form { curl += ["--data-urlencode", field] }
                let result = try await ProcessRunner.run("/usr/bin/curl", curl + ["\(issuer)/oauth/token"])
                return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] ?? [:]
            }
            let own = try await token(["grant_type=client_credentials", "client_id=\(gatewayClient)"])
            let access = try #require(own["access_token"] as? String, "client credentials: \(own)")
            let claims = try Self.claims(access)
            let thumbprint = try await Self.thumbprint(space.path("gateway.pem"))
            #expect((claims["cnf"] as? [String: String])?["x5t#S256"] == thumbprint, "cnf.x5t#S256: \(claims)")
            #expect(claims["sub"] as? String == gateway && own["token_type"] as? String == "Bearer")

            let exchange = [
                "grant_type=urn:ietf:params:oauth:grant-type:token-exchange", "client_id=\(gatewayClient)",
                "subject_token_type=urn:hearth:params:oauth:token-type:device-id",
                "actor_token_type=urn:ietf:params:oauth:token-type:access_token", "actor_token=\(access)",
            ]
            let forBulb = try await token(exchange + ["subject_token=\(bulb)"])
            let bulbClaims = try Self.claims(try #require(forBulb["access_token"] as? String, "exchange: \(forBulb)"))
            #expect(bulbClaims["sub"] as? String == bulb)
            #expect((bulbClaims["act"] as? [String: String])?["sub"] == gateway)
            #expect((bulbClaims["exp"] as? Int ?? 0) - (bulbClaims["iat"] as? Int ?? 0) <= 300)
            // The gateway itself is not "behind" it, and a certificate is required.
            let refused = try await token(exchange + ["subject_token=\(gateway)"])
            #expect(refused["error"] as? String == "invalid_grant", "\(refused)")
            let noCertificate = try await token(["grant_type=client_credentials", "client_id=\(gatewayClient)"], certificate: false)
            #expect(noCertificate["error"] as? String == "invalid_client", "\(noCertificate)")
        }
    }

    static func claims(_ jwt: String) throws -> [String: Any] {
        let parts = jwt.split(separator: ".")
        try #require(parts.count == 3)
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        let data = try #require(Data(base64Encoded: payload))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// RFC 8705's `x5t#S256` of the first certificate in a PEM file, computed by openssl.
    static func thumbprint(_ pem: String) async throws -> String {
        let result = try await ProcessRunner.run(
            "/bin/sh", ["-c", "openssl x509 -in '\(pem)' -outform DER | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '='"])
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
