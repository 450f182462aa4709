import Foundation
import HearthCore
import HearthHub
@testable import HearthPKCS11
import HearthStore
import HearthTesting
import Testing

/// `hearth init --pkcs11`: the hub's signing keys made in a PKCS#11 token (SoftHSM2) and used there
/// by the real binary — checked with clients nobody here wrote: GnuTLS's p11tool looks into the
/// token, openssl and curl at what the keys sign, Python's authlib at the access tokens. (What the
/// CA keys sign — certificates, OCSP, CRLs — and the TLS handshakes are also checked in
/// PKIInteropTests with the keys in the token.)
@Suite(.serialized) struct TokenKeyTests {
    typealias Workspace = PKILifecycleTests.Workspace
    typealias RunningHub = OAuthKeysAndLoginTests.RunningHub

    static func initArguments(_ settings: PKCS11Settings, pinFile: String? = nil) -> [String] {
        ["init", "--pkcs11", settings.module, "--slot", "\(settings.slot)", "--pin-file", pinFile ?? settings.pinFile]
    }

    /// What each signing-key row of the database holds.
    static func storedSigningKeys(_ space: Workspace) async throws -> [(name: String, stored: [UInt8])] {
        try await PKITools.withDataFolder(space.data) { store, _ in
            try await store.read { db in
                var keys: [(String, [UInt8])] = try await db.pki.authorities().map { ("CA \($0.role.rawValue) \($0.zone ?? "")", $0.sealedKey) }
                keys += try await db.hub.keys().map { ($0.name, $0.sealedKey) }
                keys += try await db.oauthKeys.all().map { ("token signing \($0.kid)", $0.sealedKey) }
                keys += try await db.audit.signingKeys().map { ("audit \($0.keyID)", $0.sealedKey) }
                return keys
            }
        }
    }

    /// `p11tool --info` on the private key a stored reference names, logged in with the PIN.
    static func p11tool(_ arguments: [String]) async throws -> ProcessRunner.Result {
        let token = try await SoftHSM.token()
        return try await ProcessRunner.run(
            "/usr/bin/env",
            ["SOFTHSM2_CONF=\(token.configurationPath)", "GNUTLS_PIN=\(SoftHSM.userPIN)", "/usr/bin/p11tool",
             "--provider", SoftHSM.modulePath, "--login"] + arguments)
    }

    static func objectURL(_ stored: [UInt8]) -> String {
        "pkcs11:token=hearth-tests;id=" + stored.dropFirst().map { String(format: "%%%02X", $0) }.joined() + ";type=private"
    }

    /// Whether authlib accepts `jwt` as signed by a key of the hub's published JWK Set.
    static func authlibVerifies(_ jwt: String, hub: RunningHub, folder: URL) async throws -> ProcessRunner.Result {
        let response = try await hub.client.request("GET", "/oauth/jwks.json")
        let jwks = folder.appendingPathComponent("jwks.json")
        try response.body.write(to: jwks)
        let script = """
            import json, sys
            from authlib.jose import JsonWebKey, jwt
            claims = jwt.decode(sys.argv[2], JsonWebKey.import_key_set(json.load(open(sys.argv[1]))))
            claims.validate()
            print("verified", claims["iss"])
            """
        return try await ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, jwks.path, jwt])
    }

    /// A TLS handshake with the running hub, trusting its root alone.
    static func handshakeVerifies(_ hub: RunningHub) async throws -> Bool {
        let port = hub.issuer.split(separator: ":").last.map(String.init) ?? ""
        let result = try await PKITools.run([
            "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", hub.root, "-verify_return_error", "-verify_ip", "127.0.0.1",
        ])
        return result.status == 0 && (result.standardOutput + result.standardError).contains("Verify return code: 0 (ok)")
    }

    /// Making a key holds an advisory lock on the module's file, so another process making keys in
    /// the same token waits for it (SoftHSM2 fails one of two made at once): util-linux's `flock`,
    /// in another process, finds the lock taken while it is held and free after; a key is made
    /// through it.
    @Test func keyMakingHoldsTheModuleAgainstOtherProcesses() async throws {
        try await TestRequirement.check([.softHSM])
        // `wait`: other tests' hubs make keys in the same module at the same time, so "free again"
        // means it can be taken once they are done, not that nobody holds it at this instant.
        func lockFromAnotherProcess(wait: Bool = false) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            process.arguments = (wait ? ["--timeout", "60"] : ["--nonblock"]) + ["--exclusive", SoftHSM.modulePath, "true"]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try ModuleLock.holding(SoftHSM.modulePath) { try lockFromAnotherProcess() } == 1, "taken")
        #expect(try lockFromAnotherProcess(wait: true) == 0, "free again")
        let token = try PKCS11Token(try await SoftHSM.token().settings)
        #expect(try token.makeKey(.p256, label: "module-lock-test").publicKeyBytes.count == 65)
    }

    /// A key the token fails to make with a general error or an inconsistent template (SoftHSM2's
    /// races) is asked for again, at most four times; any other answer stands at once.
    @Test func keyMakingIsAskedAgainOnlyAfterAFailureThatPasses() {
        func run(_ answers: [UInt]) -> (answer: UInt, asked: Int, pauses: [Int]) {
            var left = answers
            var pauses: [Int] = []
            let answer = CreationRetry.run(pause: { pauses.append($0) }) { left.removeFirst() }
            return (answer, answers.count - left.count, pauses)
        }
        #expect(run([0x5, 0xD1, 0x0, 0x5]) == (0x0, 3, [1, 2]))
        #expect(run([0x5, 0x5, 0x5, 0x5, 0x0]) == (0x5, 4, [1, 2, 3]))
        #expect(run([0x6, 0x0]) == (0x6, 1, []), "CKR_FUNCTION_FAILED is not asked again")
        #expect(run([0x0, 0x5]) == (0x0, 1, []))
    }

    @Test func aHubInitializedOnATokenMakesAndUsesEverySigningKeyThere() async throws {
        try await TestRequirement.check([.softHSM, .p11tool, .openssl, .pythonModule("authlib")])
        let token = try await SoftHSM.token()
        let space = try Workspace("hearth-token")
        defer { try? FileManager.default.removeItem(at: space.root) }

        let output = try await space.hearth(Self.initArguments(token.settings))
        #expect(output.contains("live in the PKCS#11 token"), "\(output)")
        let settings = try #require(try PKCS11Settings.read(folder: space.data.path))
        #expect(settings == token.settings)

        // Every signing key's row names an object in the token; none holds a sealed key.
        let stored = try await Self.storedSigningKeys(space)
        let names = stored.map(\.name)
        #expect(stored.count == 9, "the root, five zone CAs, TLS, token signing, audit: \(names)")
        for key in stored {
            #expect(KeySealer.isInToken(key.stored) && key.stored.count == 17, "\(key.name) is stored as \(key.stored.count) bytes")
        }

        // p11tool, looking into the token: each is a sensitive private key that was never
        // extractable, can do nothing but sign, and cannot be exported.
        for key in stored {
            let info = try await Self.p11tool(["--list-privkeys", Self.objectURL(key.stored)])
            let text = info.standardOutput + info.standardError
            #expect(info.status == 0 && text.contains("Type: Private key (E"), "\(key.name): \(text)")
            #expect(text.contains("CKA_NEVER_EXTRACTABLE") && text.contains("CKA_SENSITIVE"), "\(key.name): \(text)")
            #expect(!text.contains("CKA_EXTRACTABLE;") && !text.contains("WRAP"), "\(key.name): \(text)")
        }
        let export = try await Self.p11tool(["--export", Self.objectURL(stored[0].stored)])
        #expect(export.status != 0 && !export.standardOutput.contains("PRIVATE KEY"), "\(export.standardOutput)")

        // The running hub signs with them: its TLS handshakes, a device certificate from a zone CA,
        // access tokens, audit checkpoints.
        try await space.makeCSR("device")
        let chain = try await space.hearth(["ca", "issue", "--csr", space.path("device.csr"), "--profile", "device"])
        let blocks = PKITools.certificates(in: chain)
        try #require(blocks.count == 2, "\(chain)")
        let leaf = try PKITools.write(blocks[0], space.root, "device-leaf.pem")
        let intermediate = try PKITools.write(blocks[1], space.root, "device-ca.pem")
        let verified = try await PKITools.run(["verify", "-CAfile", space.rootCertificate, "-untrusted", intermediate, leaf])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")

        let key = OAuthPeopleTests.AssertionKey()
        let client = try await OAuthKeysAndLoginTests.registerAssertionClient(space, key: key, name: "dashboard")
        var hub = try await RunningHub(space)
        #expect(try await Self.handshakeVerifies(hub))
        let accessToken = try await hub.clientCredentials(client: client, key: key)
        let checked = try await Self.authlibVerifies(accessToken, hub: hub, folder: space.root)
        #expect(checked.status == 0 && checked.standardOutput.contains("verified"), "\(checked.standardOutput)\(checked.standardError)")
        try await hub.stop()
        let audit = try await space.hearth(["audit", "verify"])
        #expect(audit.contains("intact"), "\(audit)")

        // A KEK rotation has nothing to re-seal for them, and leaves their rows as they were.
        let rotation = try await space.hearth(["ca", "rotate-kek"])
        #expect(rotation.contains("9 signing keys live in the PKCS#11 token: nothing to re-seal"), "\(rotation)")
        let afterRotation = try await Self.storedSigningKeys(space)
        #expect(afterRotation.map(\.stored) == stored.map(\.stored))

        // After the rotation and a restart, the hub finds its keys in the token again.
        hub = try await RunningHub(space)
        defer { hub.process.signal(SIGKILL) }
        #expect(try await Self.handshakeVerifies(hub))
        let second = try await hub.clientCredentials(client: client, key: key)
        let checkedAgain = try await Self.authlibVerifies(second, hub: hub, folder: space.root)
        #expect(checkedAgain.status == 0, "\(checkedAgain.standardOutput)\(checkedAgain.standardError)")
        try await hub.stop()
        #expect(try await space.hearth(["audit", "verify"]).contains("intact"))

        // Without pkcs11.json the hub cannot sign, and says why.
        try FileManager.default.moveItem(atPath: space.data.path + "/" + PKCS11Settings.fileName, toPath: space.path("away.json"))
        try await space.makeCSR("second")
        let blind = try await space.run(["ca", "issue", "--csr", space.path("second.csr"), "--profile", "device"])
        #expect(blind.status != 0 && blind.standardError.contains("lives in a PKCS#11 token"), "\(blind.standardError)")
    }

    @Test func initRefusesATokenItCannotUseAndLeavesNothingBehind() async throws {
        try await TestRequirement.check([.softHSM])
        let token = try await SoftHSM.token()
        let space = try Workspace("hearth-token-refused")
        defer { try? FileManager.default.removeItem(at: space.root) }

        func refused(_ arguments: [String], _ reason: String) async throws {
            let result = try await space.run(arguments)
            #expect(result.status != 0, "hearth \(arguments.joined(separator: " ")) succeeded")
            #expect(result.standardError.contains(reason), "\(arguments): \(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: space.data.path), "a refused init left \(space.data.path)")
            #expect(!result.standardError.contains(SoftHSM.userPIN) && !result.standardOutput.contains(SoftHSM.userPIN))
        }
        let wrongPIN = space.path("wrong-pin")
        FileManager.default.createFile(atPath: wrongPIN, contents: Data("0000000\n".utf8), attributes: [.posixPermissions: 0o600])
        try await refused(Self.initArguments(token.settings, pinFile: wrongPIN), "CKR_PIN_INCORRECT")

        let openPIN = space.path("open-pin")
        FileManager.default.createFile(
            atPath: openPIN, contents: Data((SoftHSM.userPIN + "\n").utf8), attributes: [.posixPermissions: 0o644])
        try await refused(Self.initArguments(token.settings, pinFile: openPIN), "readable by others")
        try await refused(Self.initArguments(token.settings, pinFile: space.path("no-such-file")), "cannot read the PKCS#11 PIN file")

        let noModule = PKCS11Settings(module: space.path("libnothing.so"), slot: token.settings.slot, pinFile: token.settings.pinFile)
        try await refused(Self.initArguments(noModule), "cannot load the PKCS#11 module")
        let notAModule = PKCS11Settings(module: "/usr/lib/x86_64-linux-gnu/libz.so.1", slot: token.settings.slot, pinFile: token.settings.pinFile)
        try await refused(Self.initArguments(notAModule), "is not a PKCS#11 module")
        let noSlot = PKCS11Settings(module: token.settings.module, slot: 424_242, pinFile: token.settings.pinFile)
        try await refused(Self.initArguments(noSlot), "CKR_SLOT_ID_INVALID")
        try await refused(["init", "--slot", "1"], "--slot and --pin-file go with --pkcs11")
        try await refused(["init", "--pkcs11", token.settings.module], "--pkcs11 needs --slot and --pin-file")
    }
}
