import Foundation
import HearthCore
import HearthHub
import HearthStore
import HearthTesting
import Testing

/// `hearth backup` while the hub runs, `hearth restore` onto a new machine's data folder.
@Suite struct BackupRestoreTests {
    static let passphrase = "correct horse battery staple"

    static func environment(passphrase: String) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["HEARTH_BACKUP_PASSPHRASE": passphrase]) { $1 }
    }

    @Test func aBackupTakenWhileTheHubRunsRestoresOntoANewFolder() async throws {
        let space = try PKILifecycleTests.Workspace("backup")
        defer { try? FileManager.default.removeItem(at: space.root) }
        let passphraseFile = space.path("passphrase")
        try Data((Self.passphrase + "\n").utf8).write(to: URL(fileURLWithPath: passphraseFile))
        let backup = space.path("hub.backup")

        // A hub with an owner, a trusted manufacturer and a device paired by attestation.
        let serve = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0", "--log-level", "warning"])
        defer { serve.signal(SIGKILL) }
        let port = try await serve.waitForPort()
        let password = try await serve.oneTimePassword()
        let maker = space.path("maker")
        let made = try HearthProcess(["device", "manufacture", "--manufacturer", maker, "--serial", "BK-1", "--state", space.path("sensor")])
        #expect(try await made.waitForExit() == 0)
        _ = try await space.hearth(["trust", "add-manufacturer", maker + "/manufacturer.pem", "--name", "Virtual Devices"])
        _ = try await space.hearth(["pair", "expect", "--serial", "BK-1", "--zone", "climate", "--name", "Sensor"])
        let paired = try HearthProcess(["device", "pair", "--hub", "https://127.0.0.1:\(port)", "--mode", "attest", "--state", space.path("sensor")])
        #expect(try await paired.waitForExit() == 0, "\(paired.standardError)")

        let client = CurlClient(baseURL: "https://127.0.0.1:\(port)", caCertificatePath: space.rootCertificate)
        func signIn(_ client: CurlClient) async throws -> String {
            let response = try await client.json("POST", "/v1/session", ["email": "owner@home.arpa", "password": password])
            #expect(response.status == 201)
            return try #require(try response.json()["token"] as? String)
        }
        let before = try await signIn(client)

        // Taken while the hub runs; written 0600, holding no secret in clear.
        let made1 = try await space.hearth(["backup", "--to", backup, "--passphrase-file", passphraseFile])
        #expect(made1.contains("backup of schema version \(Schema.latestVersion)"), "\(made1)")
        #expect(try CommandLineTests.mode(backup) == 0o600)
        let file = try Data(contentsOf: URL(fileURLWithPath: backup))
        let kek = try Data(contentsOf: space.data.appendingPathComponent("kek"))
        #expect(!ByteSearch.contains(file, kek), "the KEK is in the backup in clear")
        #expect(!ByteSearch.contains(file, Data("SQLite format 3".utf8)), "the database is in the backup in clear")
        let after = try await signIn(client)

        // The old machine is gone; a new one gets the backup.
        serve.signal(SIGKILL)
        _ = try await serve.waitForExit()
        let newData = space.root.appendingPathComponent("new-machine")
        let wrong = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["restore", "--from", backup, "--data", newData.path],
            environment: Self.environment(passphrase: "not the passphrase at all"))
        #expect(wrong.status != 0 && wrong.standardError.contains("wrong passphrase"), "\(wrong.standardError)")
        #expect(!FileManager.default.fileExists(atPath: newData.appendingPathComponent("hearth.sqlite").path))
        let restored = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["restore", "--from", backup, "--data", newData.path, "--passphrase-file", passphraseFile])
        #expect(restored.status == 0, "\(restored.standardError)")
        #expect(try CommandLineTests.mode(newData.appendingPathComponent("kek").path) == 0o600)

        let again = try HearthProcess(["serve", "--data", newData.path, "--listen", "127.0.0.1:\(port)", "--log-level", "warning"])
        defer { again.signal(SIGKILL) }
        #expect(try await again.waitForPort() == port)

        // The device keeps working: its certificate opens a mutual-TLS call to the restored hub.
        let status = try await ProcessRunner.run(HearthProcess.binaryPath, ["device", "status", "--state", space.path("sensor")])
        #expect(status.status == 0 && status.standardOutput.contains("\"climate\""), "\(status.standardError)")
        // The session from before the backup works; the one issued after it does not exist here.
        #expect(try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(before)"]).status == 200)
        #expect(try await client.request("GET", "/v1/me", headers: ["Authorization": "Bearer \(after)"]).status == 401)
        let verified = try await ProcessRunner.run(HearthProcess.binaryPath, ["audit", "verify", "--data", newData.path])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")

        // Never over a live hub, nor over a folder that holds one.
        let live = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["restore", "--from", backup, "--data", newData.path, "--passphrase-file", passphraseFile])
        #expect(live.status != 0 && live.standardError.contains("a hub is running"), "\(live.standardError)")
        again.signal(SIGTERM)
        _ = try await again.waitForExit()
        let occupied = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["restore", "--from", backup, "--data", newData.path, "--passphrase-file", passphraseFile])
        #expect(occupied.status != 0 && occupied.standardError.contains("already holds a hub"), "\(occupied.standardError)")

        // A backup from a newer Hearth is refused before anything is written.
        var archive = try BackupArchive.open(Array(file), with: .passphrase(Self.passphrase))
        archive.header.schemaVersion = Schema.latestVersion + 1
        let newer = space.path("newer.backup")
        try Data(try archive.sealed(.passphrase(Self.passphrase))).write(to: URL(fileURLWithPath: newer))
        let third = space.root.appendingPathComponent("third-machine")
        let refused = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["restore", "--from", newer, "--data", third.path, "--passphrase-file", passphraseFile])
        #expect(refused.status != 0 && refused.standardError.contains("newer than this hub's"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: third.path))
    }

    /// Sealed to a recipient's P-256 key (made by openssl): the hub needs only the public key, and
    /// only the private key restores it.
    @Test func aBackupSealedToARecipientKeyRestoresOnlyWithThatKey() async throws {
        let space = try PKILifecycleTests.Workspace("backup-recipient")
        defer { try? FileManager.default.removeItem(at: space.root) }
        for name in ["owner", "stranger"] {
            try await PKILifecycleTests.Workspace.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", space.path("\(name).key")])
            try await PKILifecycleTests.Workspace.openssl(["pkey", "-in", space.path("\(name).key"), "-pubout", "-out", space.path("\(name).pub")])
        }
        try await space.hearth(["init"])
        let backup = space.path("hub.backup")
        // No passphrase anywhere: the environment has none and none is asked for.
        var environment = ProcessInfo.processInfo.environment
        environment["HEARTH_BACKUP_PASSPHRASE"] = nil
        let made = try await ProcessRunner.run(
            HearthProcess.binaryPath, ["backup", "--to", backup, "--recipient", space.path("owner.pub"), "--data", space.data.path],
            environment: environment)
        #expect(made.status == 0, "\(made.standardError)")
        let file = try Data(contentsOf: URL(fileURLWithPath: backup))
        #expect(!ByteSearch.contains(file, Data("SQLite format 3".utf8)), "the database is in the backup in clear")
        #expect(!ByteSearch.contains(file, try Data(contentsOf: space.data.appendingPathComponent("kek"))), "the KEK is in the backup in clear")
        #expect(try BackupArchive.header(of: Array(file)).recipient?.suite == "P256-HKDF-SHA256-AES256GCM")

        func restore(_ extra: [String], into folder: String) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(
                HearthProcess.binaryPath, ["restore", "--from", backup, "--data", space.path(folder)] + extra, environment: environment)
        }
        let stranger = try await restore(["--identity", space.path("stranger.key")], into: "stranger")
        #expect(stranger.status != 0 && stranger.standardError.contains("sealed to another key"), "\(stranger.standardError)")
        let withPassphrase = try await restore(["--passphrase-file", backup], into: "passphrase")
        #expect(withPassphrase.status != 0 && withPassphrase.standardError.contains("--identity"), "\(withPassphrase.standardError)")
        var altered = file
        altered[altered.count - 20] ^= 1
        try altered.write(to: URL(fileURLWithPath: space.path("altered.backup")))
        let tampered = try await ProcessRunner.run(
            HearthProcess.binaryPath,
            ["restore", "--from", space.path("altered.backup"), "--data", space.path("altered"), "--identity", space.path("owner.key")],
            environment: environment)
        #expect(tampered.status != 0 && tampered.standardError.contains("altered"), "\(tampered.standardError)")
        for folder in ["stranger", "passphrase", "altered"] {
            #expect(!FileManager.default.fileExists(atPath: space.path(folder) + "/hearth.sqlite"), "a refused restore wrote \(folder)")
        }

        let restored = try await restore(["--identity", space.path("owner.key")], into: "new-machine")
        #expect(restored.status == 0, "\(restored.standardError)")
        let verified = try await ProcessRunner.run(HearthProcess.binaryPath, ["audit", "verify", "--data", space.path("new-machine")])
        #expect(verified.status == 0 && verified.standardOutput.contains("audit log intact"), "\(verified.standardOutput)\(verified.standardError)")
    }

    /// PostgreSQL has its own tools; the command says which, and writes nothing.
    @Test(.requires(.postgres)) func onPostgreSQLTheCommandNamesPostgreSQLsOwnTools() async throws {
        try await TestDatabase.with(.postgres) { database in
            let space = try PKILifecycleTests.Workspace("backup-pg")
            defer { try? FileManager.default.removeItem(at: space.root) }
            try await space.hearth(["init"], database: database)
            let result = try await ProcessRunner.run(
                HearthProcess.binaryPath,
                ["backup", "--to", space.path("b"), "--data", space.data.path, "--database", database.url],
                environment: Self.environment(passphrase: Self.passphrase))
            #expect(result.status != 0 && result.standardError.contains("pg_dump"), "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: space.path("b")))
        }
    }
}
