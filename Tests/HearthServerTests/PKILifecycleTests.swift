import Foundation
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// The CA as an operator runs it: the real binary on a data folder, with openssl and curl as the
/// clients — revocation reaching a running hub from another process, rotation of an intermediate
/// and of the KEK.
@Suite(.serialized) struct PKILifecycleTests {
    /// A folder with openssl-made keys and CSRs, and the hub's data folder inside it.
    struct Workspace {
        let root: URL
        var data: URL { root.appendingPathComponent("data") }
        var rootCertificate: String { data.appendingPathComponent("ca-root.pem").path }

        init(_ prefix: String) throws { root = try TemporaryFolder.make(prefix: prefix) }

        func path(_ name: String) -> String { root.appendingPathComponent(name).path }

        /// A new P-256 key `<name>.key` and CSR `<name>.csr`.
        func makeCSR(_ name: String) async throws {
            try await Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("\(name).key")])
            try await Self.openssl(["req", "-new", "-key", path("\(name).key"), "-subj", "/CN=test", "-out", path("\(name).csr")])
        }

        /// `hearth <arguments> --data <data> [--database url]`, which must succeed; its standard output.
        @discardableResult
        func hearth(_ arguments: [String], database: TestDatabase? = nil) async throws -> String {
            let result = try await run(arguments, database: database)
            #expect(result.status == 0, "hearth \(arguments.joined(separator: " ")): \(result.standardError)")
            return result.standardOutput
        }

        func run(_ arguments: [String], database: TestDatabase? = nil) async throws -> ProcessRunner.Result {
            var full = arguments + ["--data", data.path]
            if let database, database.engine == .postgres { full += ["--database", database.url] }
            return try await ProcessRunner.run(HearthProcess.binaryPath, full)
        }

        /// Issues a device certificate for `<name>.csr` into `<name>.pem` (chain) and
        /// `<name>-leaf.pem` / `<name>-ca.pem`; returns the serial.
        func issue(_ name: String, database: TestDatabase? = nil) async throws -> String {
            try await makeCSR(name)
            let chain = try await hearth(["ca", "issue", "--csr", path("\(name).csr"), "--profile", "device"], database: database)
            try Data(chain.utf8).write(to: URL(fileURLWithPath: path("\(name).pem")))
            let parts = chain.components(separatedBy: "-----END CERTIFICATE-----").dropLast()
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) + "\n-----END CERTIFICATE-----\n" }
            #expect(parts.count == 2, "the chain is the certificate and its CA")
            try Data(parts[0].utf8).write(to: URL(fileURLWithPath: path("\(name)-leaf.pem")))
            try Data(parts[1].utf8).write(to: URL(fileURLWithPath: path("\(name)-ca.pem")))
            let serial = try await Self.openssl(["x509", "-in", path("\(name)-leaf.pem"), "-noout", "-serial"])
            return serial.replacingOccurrences(of: "serial=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
                .lowercased()
        }

        /// curl over mutual TLS with `<name>`'s certificate; the HTTP status, or nil when the
        /// handshake failed.
        func mutualTLSStatus(_ name: String, port: Int) async throws -> String? {
            let result = try await ProcessRunner.run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", rootCertificate,
                 "--cert", path("\(name).pem"), "--key", path("\(name).key"), "https://127.0.0.1:\(port)/healthz"])
            return result.status == 0 ? result.standardOutput : nil
        }

        func verify(_ name: String) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(
                "/usr/bin/openssl",
                ["verify", "-CAfile", rootCertificate, "-untrusted", path("\(name)-ca.pem"), path("\(name)-leaf.pem")])
        }

        @discardableResult
        static func openssl(_ arguments: [String]) async throws -> String {
            let result = try await ProcessRunner.run("/usr/bin/openssl", arguments)
            #expect(result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.standardError)")
            return result.standardOutput
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aRevocationByTheCLIReachesTheRunningHubWithinASecond(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database in
            let space = try Workspace("hearth-pki-cli")
            defer { try? FileManager.default.removeItem(at: space.root) }
            var arguments = ["serve", "--data", space.data.path, "--listen", "127.0.0.1:0"]
            if engine == .postgres { arguments += ["--database", database.url] }
            let hub = try HearthProcess(arguments)
            defer { hub.signal(SIGKILL) }
            let port = try await hub.waitForPort()

            let serial = try await space.issue("device", database: database)
            let bystander = try await space.issue("bystander", database: database)
            #expect(try await space.verify("device").standardOutput.contains("OK"))
            #expect(try await space.mutualTLSStatus("device", port: port) == "200")

            // A certificate from a CA the hub does not know is refused at the handshake.
            try await space.makeCSR("stranger")
            try await Workspace.openssl([
                "req", "-x509", "-key", space.path("stranger.key"), "-subj", "/CN=stranger", "-days", "1",
                "-out", space.path("stranger.pem"),
            ])
            #expect(try await space.mutualTLSStatus("stranger", port: port) == nil)

            try await space.hearth(["ca", "revoke", "--serial", serial, "--reason", "key-compromise"], database: database)
            // The time from the revocation's commit to the first handshake that is refused,
            // counted at that attempt's start: what a curl run costs on a loaded machine is not
            // the hub's delay.
            let revokedAt = ContinuousClock.now
            var refusedFrom: ContinuousClock.Instant?
            while ContinuousClock.now - revokedAt < .seconds(5) {
                let attempt = ContinuousClock.now
                if try await space.mutualTLSStatus("device", port: port) == nil {
                    refusedFrom = attempt
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let elapsed = try #require(refusedFrom, "the hub still accepts the revoked certificate after 5 s") - revokedAt
            #expect(elapsed < .seconds(1), "took \(elapsed) to refuse the revoked certificate")
            // Only that certificate: another device and clients without certificates are unaffected.
            #expect(try await space.mutualTLSStatus("bystander", port: port) == "200")
            #expect(bystander != serial)

            // The OCSP responder of the running hub says so too, with openssl as the client.
            let ocsp = try await ProcessRunner.run(
                "/usr/bin/openssl",
                ["ocsp", "-issuer", space.path("device-ca.pem"), "-cert", space.path("device-leaf.pem"),
                 "-url", "https://127.0.0.1:\(port)/v1/pki/ocsp", "-CAfile", space.rootCertificate],
                environment: ["SSL_CERT_FILE": space.rootCertificate])
            #expect(ocsp.standardOutput.contains("device-leaf.pem: revoked"), "\(ocsp.standardOutput)\(ocsp.standardError)")
            #expect(ocsp.standardError.contains("Response verify OK"))

            let listed = try await space.hearth(["ca", "list", "--status", "revoked"], database: database)
            #expect(listed.contains(serial))
            #expect(!listed.contains(bystander))
        }
    }

    @Test func rotatingAnIntermediateKeepsWhatItIssuedValid() async throws {
        let space = try Workspace("hearth-pki-rotate")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        _ = try await space.issue("before")
        let rotated = try await space.hearth(["ca", "rotate-intermediate", "default"])
        #expect(rotated.contains("zone default now issues from CA"))
        _ = try await space.issue("after")

        let oldCA = try await Workspace.openssl(["x509", "-in", space.path("before-ca.pem"), "-noout", "-fingerprint"])
        let newCA = try await Workspace.openssl(["x509", "-in", space.path("after-ca.pem"), "-noout", "-fingerprint"])
        #expect(oldCA != newCA, "the zone issues from a new CA")
        #expect(try await space.verify("before").status == 0, "the old CA's certificate is still valid")
        #expect(try await space.verify("after").status == 0)
        let authorities = try await space.hearth(["ca", "authorities"])
        #expect(authorities.components(separatedBy: "\n").filter { $0.contains(" default ") }.count == 2)
        #expect(authorities.contains("retired"))

        // The hub's own certificate came from the retired CA, so the next start replaces it, and
        // certificates of both CAs pass the handshake during the overlap.
        let hub = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0"])
        defer { hub.signal(SIGKILL) }
        let port = try await hub.waitForPort()
        #expect(try await space.mutualTLSStatus("before", port: port) == "200")
        #expect(try await space.mutualTLSStatus("after", port: port) == "200")
        let served = try await ProcessRunner.run(
            "/usr/bin/openssl",
            ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", space.rootCertificate, "-verify_return_error",
             "-showcerts"])
        #expect(served.standardOutput.contains("Verify return code: 0 (ok)"))
        let newSubject = try await Workspace.openssl(["x509", "-in", space.path("after-ca.pem"), "-noout", "-subject"])
        #expect(newSubject.contains("default CA"))
        let chain = try await ProcessRunner.run(
            "/usr/bin/curl", ["-s", "--cacert", space.rootCertificate, "https://127.0.0.1:\(port)/v1/pki/ca"])
        #expect(chain.standardOutput.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 7, "root and six intermediates")
    }

    @Test func rotatingTheKEKResealsEveryKeyAndTheOldKEKNoLongerOpensThem() async throws {
        let space = try Workspace("hearth-pki-kek")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        let kekPath = space.data.appendingPathComponent("kek").path
        let oldKEK = try #require(FileManager.default.contents(atPath: kekPath))

        let output = try await space.hearth(["ca", "rotate-kek"])
        #expect(output.contains("re-sealed 9 keys"), "root, five intermediates, the hub's TLS key, the audit key and the token-signing key")
        let newKEK = try #require(FileManager.default.contents(atPath: kekPath))
        #expect(newKEK != oldKEK && newKEK.count == 32)
        #expect(!FileManager.default.fileExists(atPath: space.data.appendingPathComponent("kek.next").path))
        let mode = try FileManager.default.attributesOfItem(atPath: kekPath)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        // Every key opens with the new KEK: issuing uses an intermediate, rotation the root.
        _ = try await space.issue("after")
        try await space.hearth(["ca", "rotate-intermediate", "lighting"])
        let verified = try await space.hearth(["audit", "verify"])
        #expect(verified.contains("audit log intact"))
        #expect(try await space.hearth(["audit", "search", "--action", "ca.kek_rotated"]).contains("ca.kek_rotated"))

        // The old KEK opens nothing any more.
        try oldKEK.write(to: URL(fileURLWithPath: kekPath))
        try await space.makeCSR("refused")
        let refused = try await space.run(["ca", "issue", "--csr", space.path("refused.csr"), "--profile", "device"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("does not open with this key-encryption key"))
    }

    @Test func anInterruptedKEKRotationLosesNothing() async throws {
        let space = try Workspace("hearth-pki-kek-crash")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        // A rotation that wrote kek.next and re-sealed the database, then died before the rename:
        // simulated by running the re-seal and putting the old kek back with the new one beside it.
        let kekPath = space.data.appendingPathComponent("kek").path
        let oldKEK = try #require(FileManager.default.contents(atPath: kekPath))
        try await space.hearth(["ca", "rotate-kek"])
        let newKEK = try #require(FileManager.default.contents(atPath: kekPath))
        try newKEK.write(to: URL(fileURLWithPath: space.data.appendingPathComponent("kek.next").path))
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o600], ofItemAtPath: space.data.appendingPathComponent("kek.next").path)
        try oldKEK.write(to: URL(fileURLWithPath: kekPath))

        // The keys still open (kek.next is tried too), and running the rotation again finishes it.
        _ = try await space.issue("meanwhile")
        try await space.hearth(["ca", "rotate-kek"])
        #expect(!FileManager.default.fileExists(atPath: space.data.appendingPathComponent("kek.next").path))
        #expect(FileManager.default.contents(atPath: kekPath) == newKEK)
        _ = try await space.issue("afterwards")
    }

    @Test func aRunningHubServesItsRenewedCertificateWithoutARestart() async throws {
        try await withTestHub(configure: { $0.hubCertificateCheckInterval = .milliseconds(100) }) { hub in
            func servedSerial() async throws -> String {
                let result = try await ProcessRunner.run(
                    "/bin/sh",
                    ["-c", "openssl s_client -connect 127.0.0.1:\(hub.port) </dev/null 2>/dev/null | openssl x509 -noout -serial"])
                return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            }
            let before = try await servedSerial()
            #expect(before.hasPrefix("serial="))
            // 61 days on, the 90-day certificate is in the last third of its life.
            hub.clock.advance(by: 61 * 86_400)
            var after = before
            let start = ContinuousClock.now
            while after == before, ContinuousClock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(100))
                after = try await servedSerial()
            }
            #expect(after != before, "the hub still serves the old certificate")
            let hubCertificates = try await hub.store.read { db in
                try await db.pki.certificates(CertificateQuery()).filter { $0.uri.hasSuffix("/hub") }
            }
            #expect(hubCertificates.count == 2)
            #expect(hubCertificates.map { "serial=" + $0.serial }.contains(after))
        }
    }

    @Test func revokingACompromisedIntermediateRevokesWhatItIssuedAndReplacesIt() async throws {
        let space = try Workspace("hearth-pki-issuer")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init"])
        let first = try await space.issue("first")
        let second = try await space.issue("second")
        let compromised = try await Workspace.openssl(["x509", "-in", space.path("first-ca.pem"), "-noout", "-ext", "subjectKeyIdentifier"])
            .components(separatedBy: "\n").dropFirst().joined().replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespaces).lowercased()
        let caSerial = try await Workspace.openssl(["x509", "-in", space.path("first-ca.pem"), "-noout", "-serial"])
            .replacingOccurrences(of: "serial=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)

        let output = try await space.hearth(["ca", "revoke", "--issuer", compromised, "--reason", "ca-compromise"])
        #expect(output.contains(first) && output.contains(second))
        let authorities = try await space.hearth(["ca", "authorities"])
        #expect(authorities.contains("\(compromised)  intermediate  default     revoked"), "\(authorities)")
        let defaults = authorities.components(separatedBy: "\n").filter { $0.contains(" default ") }
        #expect(defaults.count == 2 && defaults.contains { $0.contains("active") }, "a new default CA took its place")
        #expect(try await space.hearth(["ca", "list", "--status", "valid"]).components(separatedBy: "device ").count == 1,
                "no device certificate of the compromised CA is still valid")

        // The replacement issues at once, and the root's CRL names the revoked intermediate.
        _ = try await space.issue("third")
        let third = try await Workspace.openssl(["x509", "-in", space.path("third-ca.pem"), "-noout", "-fingerprint"])
        #expect(third != (try await Workspace.openssl(["x509", "-in", space.path("first-ca.pem"), "-noout", "-fingerprint"])))
        let hub = try HearthProcess(["serve", "--data", space.data.path, "--listen", "127.0.0.1:0"])
        defer { hub.signal(SIGKILL) }
        let port = try await hub.waitForPort()
        let rootID = try #require(authorities.components(separatedBy: "\n").first { $0.contains(" root ") }?
            .split(separator: " ").first.map(String.init))
        let crl = try await ProcessRunner.run(
            "/usr/bin/curl", ["-s", "--cacert", space.rootCertificate, "https://127.0.0.1:\(port)/v1/pki/crl/\(rootID).pem"])
        try Data(crl.standardOutput.utf8).write(to: URL(fileURLWithPath: space.path("root.crl")))
        let text = try await Workspace.openssl(["crl", "-in", space.path("root.crl"), "-noout", "-text", "-CAfile", space.rootCertificate])
        #expect(text.contains("Serial Number: \(caSerial)"), "\(text)")
        #expect(text.contains("CA Compromise"))
        // A client certificate from the revoked CA no longer passes the handshake.
        #expect(try await space.mutualTLSStatus("first", port: port) == nil)
        #expect(try await space.mutualTLSStatus("third", port: port) == "200")
    }
}
