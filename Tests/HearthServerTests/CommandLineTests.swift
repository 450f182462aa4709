import Crypto
import Foundation
import HearthCore
import HearthTesting
import Testing

/// The `hearth` binary as an operator runs it.
@Suite(.serialized) struct CommandLineTests {
    /// Every file under `folder` with its mode, size, modification time and SHA-256.
    static func fingerprint(_ folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let manager = FileManager.default
        result["."] = "\((try manager.attributesOfItem(atPath: folder.path))[.posixPermissions] ?? "")"
        for name in try manager.contentsOfDirectory(atPath: folder.path) {
            let path = folder.appendingPathComponent(name).path
            let attributes = try manager.attributesOfItem(atPath: path)
            let digest = SHA256.hash(data: manager.contents(atPath: path) ?? Data()).hexString
            result[name] = "\(attributes[.posixPermissions] ?? "") \(attributes[.size] ?? "") \(attributes[.modificationDate] ?? "") \(digest)"
        }
        return result
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// `hearth` ships what an operator uses; the load tools are `hearth-bench`, built beside it.
    @Test func theOperatorsHelpListsNoLoadToolsAndTheBenchHelpListsThem() async throws {
        let help = try await ProcessRunner.run(HearthProcess.binaryPath, ["--help"])
        #expect(help.status == 0, "\(help.standardError)")
        #expect(help.standardOutput.contains("serve"))
        for word in ["bench", "load"] {
            #expect(!help.standardOutput.lowercased().contains(word), "hearth --help mentions \(word)")
        }
        let bench = try await ProcessRunner.run(HearthProcess.binaryPath + "-bench", ["--help"])
        #expect(bench.status == 0, "\(bench.standardError)")
        for command in ["store", "audit", "pki", "pairing", "renew", "jwt", "mqtt"] {
            #expect(bench.standardOutput.contains("  \(command) "), "hearth-bench --help lacks \(command)")
        }
    }

    /// `hearth-bench telemetry-pipeline` measures a flow document's first flow on the payload the
    /// MQTT load tool sends (what `scripts/bench` prints as the gate's floor): the minimized output
    /// it shows is that flow's, and a payload too small for the tool's stamp is refused.
    @Test func thePipelineBenchMeasuresTheGivenFlowOnTheLoadToolsPayload() async throws {
        let root = try TemporaryFolder.make(prefix: "hearth-pipeline-bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let flows = root.appendingPathComponent("flows.json")
        try Data(#"""
            {"flows": [{"name": "bench", "class": "functional", "purpose": "Benchmark readings",
              "schema": {"type": "object", "properties": {"watts": {"type": "number"}}},
              "minimize": [{"drop": ["serial", "pad"]}, {"redact": {"builtin": ["mac-address"]}}, {"round": {"path": "watts", "to": 100}}],
              "retention": "1h", "recipients": {"apps": true}}]}
            """#.utf8).write(to: flows)
        let bench = HearthProcess.binaryPath + "-bench"
        let run = try await ProcessRunner.run(bench, [
            "telemetry-pipeline", "--flows", flows.path, "--load-payload-size", "200", "--iterations", "1000", "--rounds", "1",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let shown = try #require(run.standardOutput.split(separator: "\n").first { $0.hasPrefix("payload: 200 bytes in") })
        #expect(shown.contains(#""watts":1200"#) && shown.contains(#""state":"on""#), "\(shown)")
        for gone in ["serial", "mac", "pad", "aa:bb"] { #expect(!shown.contains(gone), "\(gone) left in \(shown)") }
        #expect(run.standardOutput.contains("telemetry_pipeline="))

        let tooSmall = try await ProcessRunner.run(bench, ["telemetry-pipeline", "--flows", flows.path, "--load-payload-size", "20"])
        #expect(tooSmall.status != 0)
        #expect(tooSmall.standardError.contains("--load-payload-size must be at least"))
    }

    @Test func initCreatesAPrivateFolderPrintsThePasswordOnceAndRefusesToRunTwice() async throws {
        let root = try TemporaryFolder.make(prefix: "hearth-init")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let first = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["init", "--data", data.path, "--household", "Flat 3", "--owner", "Ann@Example.org"])
        #expect(first.status == 0, "\(first.standardError)")
        let password = try #require(HearthProcess.oneTimePassword(in: first.standardOutput))
        #expect(password.count == 27)
        #expect(first.standardOutput.components(separatedBy: password).count == 2, "printed exactly once")
        #expect(first.standardOutput.contains("ann@example.org"))
        #expect(!first.standardError.contains(password), "the password reached the log")
        #expect(try Self.mode(data.path) == 0o700)
        #expect(try Self.mode(data.appendingPathComponent("kek").path) == 0o600)
        // Stored only as a scrypt hash: the clear password is in no file of the folder.
        for name in try FileManager.default.contentsOfDirectory(atPath: data.path) {
            let bytes = FileManager.default.contents(atPath: data.appendingPathComponent(name).path) ?? Data()
            #expect(!ByteSearch.contains(bytes, Data(password.utf8)), "\(name) holds the password in clear")
        }

        let before = try Self.fingerprint(data)
        let second = try await ProcessRunner.run(HearthProcess.binaryPath, ["init", "--data", data.path])
        #expect(second.status != 0)
        #expect(second.standardError.contains("already exists and is not empty; nothing was changed"))
        #expect(try Self.fingerprint(data) == before)

        let invalid = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["init", "--data", root.appendingPathComponent("other").path, "--owner", "not an email"])
        #expect(invalid.status != 0)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("other").path), "bad input created a folder")
    }

    @Test func serveInitializesAnEmptyFolderAnswersCurlAndStopsGracefully() async throws {
        let root = try TemporaryFolder.make(prefix: "hearth-serve")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let hub = try HearthProcess(["serve", "--data", data.path, "--listen", "127.0.0.1:0"])
        let port = try await hub.waitForPort()
        let password = try await hub.oneTimePassword()

        // The issue's own check: curl -k against /healthz.
        let curl = try await ProcessRunner.run(
            "/usr/bin/curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/healthz"])
        #expect(curl.standardOutput == "200")
        // And with the certificate the hub wrote for clients, signing in with the printed password.
        let client = CurlClient(baseURL: "https://127.0.0.1:\(port)", caCertificatePath: data.appendingPathComponent("ca-root.pem").path)
        let signIn = try await client.json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password])
        #expect(signIn.status == 201)

        hub.signal(SIGTERM)
        #expect(try await hub.waitForExit(timeout: .seconds(30)) == 0)
        #expect(hub.standardError.contains("database closed"))
        // A clean close checkpoints the write-ahead log into the database file.
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("hearth.sqlite-wal").path))
        #expect(!hub.standardError.contains(password))
    }

    /// Issue 18.1: a new hub told to listen on a port writes that port into its public URL, so the
    /// OAuth metadata and the OCSP URL of its certificates lead back to the listener; a later
    /// start on another port is warned about.
    @Test(.requires(.openssl)) func theDefaultPublicURLFollowsTheListenPort() async throws {
        let root = try TemporaryFolder.make(prefix: "hearth-public-url")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let port = try FreePort.tcp()
        let hub = try HearthProcess(["serve", "--data", data.path, "--listen", "127.0.0.1:\(port)", "--mqtt-listen", "off"])
        #expect(try await hub.waitForPort() == port)
        let expected = "https://localhost:\(port)"

        let client = CurlClient(baseURL: expected, caCertificatePath: data.appendingPathComponent("ca-root.pem").path)
        let metadata = try await client.request("GET", "/.well-known/oauth-authorization-server").json()
        #expect(metadata["issuer"] as? String == expected)
        #expect(metadata["jwks_uri"] as? String == "\(expected)/oauth/jwks.json")
        #expect(metadata["token_endpoint"] as? String == "\(expected)/oauth/token")
        // The hub's own certificate, as openssl receives it, names the same port for OCSP.
        let served = try await ProcessRunner.run("/bin/sh", ["-c",
            "openssl s_client -connect 127.0.0.1:\(port) -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -ocsp_uri"])
        #expect(served.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "\(expected)/v1/pki/ocsp")
        #expect(!hub.standardError.contains("names port"))

        let status = try await ProcessRunner.run(HearthProcess.binaryPath, ["status", "--data", data.path])
        #expect(status.standardOutput.contains("public URL:      \(expected)\n"))
        hub.signal(SIGTERM)
        #expect(try await hub.waitForExit(timeout: .seconds(30)) == 0)

        let other = try FreePort.tcp()
        let moved = try HearthProcess(["serve", "--data", data.path, "--listen", "127.0.0.1:\(other)", "--mqtt-listen", "off"])
        _ = try await moved.waitForPort()
        // Logged just before the port is printed; the two pipes are read by separate threads.
        let warning = "names port \(port), but HTTPS listens on port \(other)"
        for _ in 0..<50 where !moved.standardError.contains(warning) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(moved.standardError.contains(warning))
        moved.signal(SIGTERM)
        #expect(try await moved.waitForExit(timeout: .seconds(30)) == 0)
    }

    /// Issue 28.3: on PostgreSQL, every admin command printed PostgresNIO's "run() hasn't been
    /// called yet" warning on standard error. An admin command prints its own output only.
    @Test(arguments: TestEngine.allCases)
    func adminCommandsPrintNothingButTheirOwnOutput(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let data = database.folder.appendingPathComponent("data")
            let store = engine == .postgres ? ["--data", data.path, "--database", database.url] : ["--data", data.path]
            let initialized = try await ProcessRunner.run(HearthProcess.binaryPath, ["init"] + store)
            try #require(initialized.status == 0, "\(initialized.standardError)")
            // Each twice: the warning came from a race between the pool's start and the first query.
            let commands = [["status"], ["audit", "verify"], ["devices", "list"], ["ca", "list"], ["pair", "list"]]
            for command in commands + commands {
                let result = try await ProcessRunner.run(HearthProcess.binaryPath, command + store)
                #expect(result.status == 0, "\(command): \(result.standardError)")
                #expect(result.standardError.isEmpty, "\(command) wrote to standard error: \(result.standardError)")
                #expect(!result.standardOutput.contains("PostgresNIO"), "\(command): \(result.standardOutput)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aKilledHubLosesNoAcknowledgedWrite(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let data = database.folder.appendingPathComponent("data")
            var arguments = ["serve", "--data", data.path, "--listen", "127.0.0.1:0"]
            if engine == .postgres { arguments += ["--database", database.url] }
            let first = try HearthProcess(arguments)
            let port = try await first.waitForPort()
            let password = try await first.oneTimePassword()
            let client = CurlClient(
                baseURL: "https://127.0.0.1:\(port)", caCertificatePath: data.appendingPathComponent("ca-root.pem").path)

            // Four writers sign in over and over; the hub is killed while they are mid-flight.
            let acknowledged = AcknowledgedTokens()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while first.exitStatus == nil {
                            guard let response = try? await client.json(
                                "POST", "/v1/session", ["email": "owner@home.arpa", "password": password]),
                                response.status == 201, let token = try? response.json()["token"] as? String
                            else { continue }
                            let count = await acknowledged.append(token)
                            if count >= 12 { first.signal(SIGKILL) }
                        }
                    }
                }
            }
            _ = try await first.waitForExit()
            let tokens = await acknowledged.tokens
            #expect(tokens.count >= 12)

            let second = try HearthProcess(arguments)
            let secondPort = try await second.waitForPort()
            // Issue 28.4: a start on an initialized database (a restart, or a second node) says what
            // to do, with no placeholder standing in for an email.
            #expect(second.standardOutput.contains("on an initialized hub"), "\(second.standardOutput)")
            #expect(!second.standardOutput.contains("EMAIL"), "\(second.standardOutput)")
            let restarted = CurlClient(baseURL: "https://127.0.0.1:\(secondPort)", caCertificatePath: client.caCertificatePath)
            for token in tokens {
                let me = try await restarted.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(token)"])
                #expect(me.status == 200, "an acknowledged session was lost")
            }
            second.signal(SIGTERM)
            #expect(try await second.waitForExit() == 0)

            if engine == .sqlite {
                let check = try await ProcessRunner.run(
                    "/usr/bin/sqlite3", [data.appendingPathComponent("hearth.sqlite").path, "PRAGMA integrity_check; PRAGMA foreign_key_check;"])
                #expect(check.standardOutput == "ok\n")
            }
            var statusArguments = ["status", "--data", data.path]
            if engine == .postgres { statusArguments += ["--database", database.url] }
            let status = try await ProcessRunner.run(HearthProcess.binaryPath, statusArguments)
            #expect(status.status == 0)
            #expect(status.standardOutput.contains("households:      1"))
        }
    }
}

/// Tokens the hub acknowledged (answered 201 for) before it was killed.
actor AcknowledgedTokens {
    private(set) var tokens: [String] = []

    func append(_ token: String) -> Int {
        tokens.append(token)
        return tokens.count
    }
}
