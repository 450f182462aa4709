import Crypto
import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthPKI
import HearthServer
import HearthStore
import HearthTesting
import SwiftASN1
import Testing
import X509

/// What the PKI tests share: the system `openssl` and `curl` as the only clients, files in a
/// temporary folder, signing in as the owner and asking the hub for certificates.
enum PKITools {
    /// A certificate for a new device of `household`, issued through the application layer from
    /// a fresh P-256 key's CSR.
    static func issueNewDevice(
        _ pki: HubPKI, household: HouseholdID, name: String, zone: Zone? = nil, lifetime: Duration? = nil
    ) async throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(name) }, privateKey: .init(key),
            attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
        let order = try CertificateOrder(
            request: try CertificateRequest(der: try csr.serializeAsPEM().derBytes), profile: .device,
            household: household, subject: .newDevice(name: name), zone: zone, lifetime: lifetime)
        return try await pki.issue(order, actor: .system("test"))
    }

    static let openssl = "/usr/bin/openssl"
    static let curl = "/usr/bin/curl"

    /// Runs openssl; the caller checks the outcome.
    static func run(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(openssl, arguments)
    }

    /// Runs openssl, which must succeed; returns standard output and error together.
    @discardableResult
    static func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments)
        try #require(
            result.status == 0, "openssl \(arguments.joined(separator: " ")): \(result.standardOutput)\(result.standardError)",
            sourceLocation: sourceLocation)
        return result.standardOutput + result.standardError
    }

    static func write(_ text: String, _ folder: URL, _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// A new EC key (`openssl ecparam -genkey`), SEC1 PEM; returns its path.
    static func makeKey(_ folder: URL, _ name: String, curve: String = "prime256v1") async throws -> String {
        let path = folder.appendingPathComponent(name).path
        try await ok(["ecparam", "-name", curve, "-genkey", "-noout", "-out", path])
        return path
    }

    /// A PKCS#10 request for `key` (`openssl req -new`); returns its path.
    static func makeCSR(
        _ folder: URL, _ name: String, key: String, subject: String = "/CN=device", extra: [String] = []
    ) async throws -> String {
        let path = folder.appendingPathComponent(name).path
        try await ok(["req", "-new", "-key", key, "-subj", subject, "-out", path] + extra)
        return path
    }

    /// A fresh P-256 key and its CSR: (key path, CSR path, CSR PEM).
    static func newDevice(_ folder: URL, _ name: String) async throws -> (key: String, csr: String, pem: String) {
        let key = try await makeKey(folder, "\(name).key")
        let csr = try await makeCSR(folder, "\(name).csr", key: key)
        return (key, csr, try read(csr))
    }

    /// The PEM blocks of a bundle, in order, each ending in a newline.
    static func certificates(in pem: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        var inside = false
        for line in pem.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("-----BEGIN ") { inside = true }
            guard inside else { continue }
            current.append(line)
            if line.hasPrefix("-----END ") {
                inside = false
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }

    /// The value of a one-value extension as openssl prints it (`-ext`), e.g. the subject key
    /// identifier, as lowercase hex without colons.
    static func keyIdentifier(_ certificate: String, _ extensionName: String) async throws -> String {
        let text = try await ok(["x509", "-in", certificate, "-noout", "-ext", extensionName])
        let value = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .last { !$0.isEmpty && !$0.hasPrefix("X509v3") } ?? ""
        return value.replacingOccurrences(of: "keyid:", with: "").replacingOccurrences(of: ":", with: "").lowercased()
    }

    /// The serial as openssl prints it, lowercase hex.
    static func serial(_ certificate: String) async throws -> String {
        let text = try await ok(["x509", "-in", certificate, "-noout", "-serial"])
        return text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "").lowercased()
    }

    // MARK: the hub's API

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    /// Signs in as `email` (the owner by default); the sign-in must succeed.
    static func token(_ hub: TestHub, email: String? = nil, password: String? = nil) async throws -> String {
        let response = try await hub.client.json(
            "POST", "/v1/session", ["email": email ?? hub.ownerEmail, "password": password ?? hub.ownerPassword])
        try #require(response.status == 201, "sign-in: \(response.status) \(response.text)")
        return try #require(try response.json()["token"] as? String)
    }

    /// `POST /v1/pki/certificates` with `csr` and `fields`.
    static func requestCertificate(
        _ hub: TestHub, token: String, csr: String, profile: String = "device", fields: [String: Any] = [:]
    ) async throws -> CurlClient.Response {
        var body: [String: Any] = ["csr": csr, "profile": profile]
        body.merge(fields) { $1 }
        return try await hub.client.json("POST", "/v1/pki/certificates", body, headers: bearer(token))
    }

    /// An issued certificate as the API returned it, with its chain written to files.
    struct Issued {
        let fields: [String: Any]
        let chainPEM: String
        let chain: String
        let leaf: String
        let intermediate: String
        let key: String

        var serial: String { fields["serial"] as? String ?? "" }
        var issuer: String { fields["issuer"] as? String ?? "" }
        var uri: String { fields["uri"] as? String ?? "" }
    }

    /// Issues a certificate for a new P-256 key through the API (it must succeed).
    static func issue(
        _ hub: TestHub, token: String, folder: URL, name: String, profile: String = "device", fields: [String: Any] = [:]
    ) async throws -> Issued {
        let device = try await newDevice(folder, name)
        return try await issue(hub, token: token, folder: folder, name: name, key: device.key, csr: device.pem,
                               profile: profile, fields: fields)
    }

    static func issue(
        _ hub: TestHub, token: String, folder: URL, name: String, key: String, csr: String, profile: String = "device",
        fields: [String: Any] = [:]
    ) async throws -> Issued {
        let response = try await requestCertificate(hub, token: token, csr: csr, profile: profile, fields: fields)
        try #require(response.status == 201, "issue \(name): \(response.status) \(response.text)")
        let body = try response.json()
        let certificate = try #require(body["certificate"] as? [String: Any])
        let chainPEM = try #require(body["chain_pem"] as? String)
        let blocks = certificates(in: chainPEM)
        try #require(blocks.count == 2, "the chain is the certificate then its CA: \(chainPEM)")
        return Issued(
            fields: certificate, chainPEM: chainPEM, chain: try write(chainPEM, folder, "\(name).chain.pem"),
            leaf: try write(blocks[0], folder, "\(name).pem"), intermediate: try write(blocks[1], folder, "\(name).ca.pem"),
            key: key)
    }

    /// One HTTPS request to `/healthz` presenting a client certificate: curl's exit status and
    /// the HTTP status it printed ("000" when the handshake failed).
    static func handshake(
        port: Int, root: String, certificate: String, key: String
    ) async throws -> (status: Int32, http: String, error: String) {
        let result = try await ProcessRunner.run(curl, [
            "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", root,
            "--cert", certificate, "--key", key, "https://127.0.0.1:\(port)/healthz",
        ])
        return (result.status, result.standardOutput, result.standardError)
    }

    /// Whether the handshake went through and `/healthz` answered 200.
    static func accepted(port: Int, root: String, certificate: String, key: String) async throws -> Bool {
        let result = try await handshake(port: port, root: root, certificate: certificate, key: key)
        return result.status == 0 && result.http == "200"
    }

    /// True for curl's "the TLS handshake was refused" exits: 56 (the alert arrives while reading,
    /// as with TLS 1.3) or 35 (during the handshake).
    static func refusedAtHandshake(_ result: (status: Int32, http: String, error: String)) -> Bool {
        (result.status == 56 || result.status == 35) && result.http == "000"
    }

    /// What polling after a revocation saw, as offsets from the moment the revocation committed.
    struct RevocationTiming: CustomStringConvertible {
        /// When the last handshake that was still accepted began (nil if none was).
        var lastAcceptedStart: Duration?
        /// When the first refused handshake ended (nil if none was refused in time).
        var firstRefusedEnd: Duration?

        /// The bound the hub promises: no handshake begun a second or more after the revocation
        /// is accepted, and one is refused. Measured from each attempt's start, so a client slowed
        /// by a loaded machine does not count against the hub.
        var refusedWithinASecond: Bool {
            firstRefusedEnd != nil && (lastAcceptedStart ?? .zero) < .seconds(1)
        }

        var description: String {
            "last accepted handshake began at \(lastAcceptedStart.map { "\($0)" } ?? "-"), "
                + "first refused one ended at \(firstRefusedEnd.map { "\($0)" } ?? "- (none within the limit)")"
        }
    }

    /// Polls every 50 ms, from now (when the revocation has committed), until a handshake with
    /// this certificate is refused or `limit` passes.
    static func pollUntilRefused(
        port: Int, root: String, certificate: String, key: String, limit: Duration = .seconds(5)
    ) async throws -> RevocationTiming {
        let start = ContinuousClock.now
        var timing = RevocationTiming()
        while ContinuousClock.now - start < limit {
            let began = ContinuousClock.now - start
            let result = try await handshake(port: port, root: root, certificate: certificate, key: key)
            if refusedAtHandshake(result) {
                timing.firstRefusedEnd = ContinuousClock.now - start
                return timing
            }
            if result.status == 0 && result.http == "200" { timing.lastAcceptedStart = began }
            try await Task.sleep(for: .milliseconds(50))
        }
        return timing
    }

    /// A CA and a client certificate made by openssl alone, sharing nothing with the hub but
    /// what an impostor would copy: the issuer's name and an identity URI of the household.
    static func impostor(_ folder: URL, caSubject: String, uri: String) async throws -> (chain: String, key: String) {
        let caKey = try await makeKey(folder, "impostor-ca.key")
        let ca = folder.appendingPathComponent("impostor-ca.pem").path
        try await ok([
            "req", "-x509", "-new", "-key", caKey, "-subj", caSubject, "-days", "2", "-out", ca,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        let key = try await makeKey(folder, "impostor.key")
        let csr = try await makeCSR(folder, "impostor.csr", key: key)
        let leaf = try await signByHand(folder, "impostor", csr: csr, ca: ca, caKey: caKey, uri: uri)
        let chain = try write(try read(leaf) + read(ca), folder, "impostor.chain.pem")
        return (chain, key)
    }

    /// Signs `csr` with `ca`/`caKey` using `openssl x509 -req`: a device-like client certificate
    /// naming `uri`.
    static func signByHand(
        _ folder: URL, _ name: String, csr: String, ca: String, caKey: String, uri: String
    ) async throws -> String {
        let extensions = try write("""
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=clientAuth
            subjectAltName=URI:\(uri)
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid

            """, folder, "\(name).ext")
        let path = folder.appendingPathComponent("\(name).pem").path
        try await ok([
            "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-set_serial", "0x" + SecureRandom.bytes(16).hexString,
            "-days", "1", "-sha256", "-extfile", extensions, "-out", path,
        ])
        return path
    }

    // MARK: data folders

    /// Runs the real `hearth` binary to completion.
    static func hearth(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(HearthProcess.binaryPath, arguments)
    }

    /// Opens a data folder's database in this process with the folder's KEK, for `body`.
    static func withDataFolder<Result: Sendable>(
        _ folder: URL, database: String? = nil, _ body: (Store, KeySealer) async throws -> Result
    ) async throws -> Result {
        let data = DataFolder(path: folder.path)
        let kek = try data.keyEncryptionKey(create: false)
        let sealer = try KeySealer(kek: kek)
        let logger = LogCapture().logger()
        let engine = try await DatabaseLocation(url: database, dataFolder: data).makeEngine(logger: logger)
        return try await Store.withRunning(engine, logger: logger) { store in try await body(store, sealer) }
    }

    /// The identity URI host of a household: hex of its id's bytes, then the trust domain.
    static func host(household: HouseholdID, trustDomain: String) -> String {
        "\((Base64URL.decode(household.rawValue) ?? []).hexString).\(trustDomain)"
    }
}

/// The hub's PKI as clients nobody here wrote see it: openssl verifies chains, reads extensions,
/// asks OCSP and checks CRLs; curl and openssl s_client trust the hub with its root alone; client
/// certificates are checked at the TLS handshake, revocations included, within a second.
@Suite struct PKIInteropTests {
    // MARK: a. issuance, OCSP and CRLs, checked by openssl

    /// Also with every CA key in a PKCS#11 token (SoftHSM2): issuance, OCSP and the CRL are then
    /// signed in the token, and openssl must not tell the difference.
    @Test(arguments: [(TestEngine.sqlite, KeyHome.kek), (.postgres, .kek), (.sqlite, .token)])
    func opensslVerifiesWhatTheHubIssuesAndSeesItRevoked(engine: TestEngine, keys: KeyHome) async throws {
        try await TestRequirement.check(engine.requirements + keys.requirements)
        try await withTestHub(engine: engine, keyToken: try await keys.keyToken()) { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-openssl")
            defer { try? FileManager.default.removeItem(at: folder) }
            let root = hub.certificatePath
            let token = try await PKITools.token(hub)
            let trustDomain = try #require(try await hub.store.read { db in try await db.hub.identity() }).trustDomain
            let host = PKITools.host(household: hub.householdID, trustDomain: trustDomain)

            // A CSR that asks for everything it should not get: a CA, foreign names, personal data.
            let key = try await PKITools.makeKey(folder, "alice.key")
            let csr = try await PKITools.makeCSR(
                folder, "alice.csr", key: key, subject: "/CN=Alice Smith/emailAddress=alice@example.org",
                extra: [
                    "-addext", "subjectAltName=URI:spiffe://evil/x,DNS:evil.example",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                ])
            let alice = try await PKITools.issue(
                hub, token: token, folder: folder, name: "alice", key: key, csr: try PKITools.read(csr))
            #expect(alice.fields["status"] as? String == "valid")
            #expect(alice.fields["profile"] as? String == "device")
            #expect(alice.fields["zone"] as? String == "default")

            // The chain verifies against the root alone, as a TLS client certificate.
            let verified = try await PKITools.run([
                "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", root, "-untrusted", alice.intermediate, alice.leaf,
            ])
            #expect(verified.status == 0 && verified.standardOutput.contains("\(alice.leaf): OK"),
                    "\(verified.standardOutput)\(verified.standardError)")

            // What the certificate says: the hub's names only, a leaf, a client, revocation pointers.
            let text = try await PKITools.ok(["x509", "-in", alice.leaf, "-noout", "-text"])
            let device = try #require(alice.fields["device"] as? String)
            let uri = "spiffe://\(host)/household/\(hub.householdID)/device/\(device)"
            #expect(alice.uri == uri)
            for expected in [
                "X509v3 Basic Constraints: critical", "CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
                "TLS Web Client Authentication", "URI:\(uri)", "Subject: O = Hearth, CN = \(device)",
                "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier",
                "OCSP - URI:https://", "/v1/pki/crl/\(alice.issuer).crl", "NIST CURVE: P-256",
            ] {
                #expect(text.contains(expected), "the certificate lacks \(expected):\n\(text)")
            }
            let ocspLine = try #require(text.split(separator: "\n").first { $0.contains("OCSP - URI:") })
            #expect(ocspLine.hasSuffix("/v1/pki/ocsp"))
            let crlLine = try #require(text.split(separator: "\n").first { $0.contains("/v1/pki/crl/") })
            #expect(crlLine.trimmingCharacters(in: .whitespaces).hasPrefix("URI:https://"))
            #expect(crlLine.hasSuffix("/v1/pki/crl/\(alice.issuer).crl"))
            for refused in ["CA:TRUE", "evil", "Alice", "alice", "example.org", "emailAddress", "DNS:", "Server Authentication"] {
                #expect(!text.contains(refused), "the certificate carries \(refused) from the CSR")
            }
            let serial = try await PKITools.serial(alice.leaf)
            #expect(serial == alice.serial)
            #expect(serial.count >= 32, "a serial of \(serial.count / 2) bytes")
            // The issuer id is the intermediate's subject key identifier, which the leaf points to.
            #expect(try await PKITools.keyIdentifier(alice.intermediate, "subjectKeyIdentifier") == alice.issuer)
            #expect(try await PKITools.keyIdentifier(alice.leaf, "authorityKeyIdentifier") == alice.issuer)
            #expect(alice.issuer.count == 40)

            // OCSP over HTTPS: good, signed by the issuer, the nonce echoed. (openssl 3.0's ocsp
            // command does not authenticate the HTTPS server; the signed response is checked
            // against -CAfile, which is what makes the answer trustworthy.)
            let url = "https://127.0.0.1:\(hub.port)/v1/pki/ocsp"
            func ocsp(_ leaf: String) async throws -> String {
                try await PKITools.ok([
                    "ocsp", "-issuer", alice.intermediate, "-cert", leaf, "-url", url, "-CAfile", root, "-resp_text",
                ])
            }
            let good = try await ocsp(alice.leaf)
            #expect(good.contains("Response verify OK"), "\(good)")
            #expect(good.contains("\(alice.leaf): good"), "\(good)")
            #expect(good.contains("OCSP Nonce:"), "\(good)")
            #expect(!good.contains("WARNING") && !good.contains("Nonce Verify error"), "\(good)")
            #expect(good.contains("Responder Id: \(alice.issuer.uppercased())"), "\(good)")

            // A second certificate that stays valid.
            let bob = try await PKITools.issue(hub, token: token, folder: folder, name: "bob")
            #expect(bob.issuer == alice.issuer)

            let revoke = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(alice.serial)/revoke", ["reason": "key-compromise"],
                headers: PKITools.bearer(token))
            #expect(revoke.status == 200, "\(revoke.text)")
            let revoked = try #require(try revoke.json()["certificates"] as? [[String: Any]])
            #expect(revoked.map { $0["serial"] as? String } == [alice.serial])
            #expect(revoked.first?["status"] as? String == "revoked")
            #expect(revoked.first?["revocation_reason"] as? String == "key-compromise")

            let bad = try await ocsp(alice.leaf)
            #expect(bad.contains("Response verify OK"), "\(bad)")
            #expect(bad.contains("\(alice.leaf): revoked"), "\(bad)")
            #expect(bad.contains("Reason: keyCompromise"), "\(bad)")
            #expect(bad.contains("Revocation Time:"), "\(bad)")
            #expect(bad.contains("OCSP Nonce:"), "\(bad)")
            #expect(!bad.contains("WARNING") && !bad.contains("Nonce Verify error"), "\(bad)")
            let stillGood = try await ocsp(bob.leaf)
            #expect(stillGood.contains("\(bob.leaf): good"), "\(stillGood)")

            // The CRL, fetched by curl: signed by the issuer, listing Alice and not Bob.
            let crlResponse = try await hub.client.request("GET", "/v1/pki/crl/\(alice.issuer).pem")
            #expect(crlResponse.status == 200)
            #expect(crlResponse.headers["content-type"] == "application/x-pem-file")
            let crl = try PKITools.write(crlResponse.text, folder, "crl.pem")
            let bundle = try PKITools.write(try PKITools.read(root) + PKITools.read(alice.intermediate), folder, "bundle.pem")
            let crlText = try await PKITools.ok(["crl", "-in", crl, "-noout", "-text", "-CAfile", bundle])
            #expect(crlText.contains("verify OK"), "\(crlText)")
            #expect(crlText.contains("Serial Number: \(alice.serial.uppercased())"), "\(crlText)")
            #expect(crlText.contains("Key Compromise"), "\(crlText)")
            #expect(!crlText.contains(bob.serial.uppercased()), "\(crlText)")
            let derResponse = try await hub.client.request("GET", "/v1/pki/crl/\(alice.issuer).crl")
            #expect(derResponse.status == 200)
            #expect(derResponse.headers["content-type"] == "application/pkix-crl")
            let derPath = folder.appendingPathComponent("crl.der")
            try derResponse.body.write(to: derPath)
            let derAsPEM = try await PKITools.ok(["crl", "-inform", "DER", "-in", derPath.path])
            #expect(derAsPEM.trimmingCharacters(in: .whitespacesAndNewlines)
                == crlResponse.text.trimmingCharacters(in: .whitespacesAndNewlines))

            let aliceCRL = try await PKITools.run(["verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crl, alice.leaf])
            #expect(aliceCRL.status != 0)
            #expect((aliceCRL.standardOutput + aliceCRL.standardError).contains("certificate revoked"))
            let bobCRL = try await PKITools.run(["verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crl, bob.leaf])
            #expect(bobCRL.status == 0, "\(bobCRL.standardOutput)\(bobCRL.standardError)")
        }
    }

    // MARK: b. the hub's own TLS certificate

    /// Also with the hub's TLS key in a PKCS#11 token, which then signs every handshake.
    @Test(arguments: KeyHome.allCases)
    func curlAndSClientTrustTheHubWithItsRootAlone(keys: KeyHome) async throws {
        try await TestRequirement.check(keys.requirements)
        try await withTestHub(keyToken: try await keys.keyToken()) { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-server")
            defer { try? FileManager.default.removeItem(at: folder) }
            let url = "https://127.0.0.1:\(hub.port)/healthz"
            let curl = try await ProcessRunner.run(
                PKITools.curl, ["-sS", "--cacert", hub.certificatePath, "-w", " %{http_code}", url])
            #expect(curl.status == 0, "\(curl.standardError)")
            #expect(curl.standardOutput.hasSuffix(" 200"))
            #expect(curl.standardOutput.contains(#""status":"ok""#))
            // The certificate names localhost too.
            let byName = try await ProcessRunner.run(PKITools.curl, [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", hub.certificatePath,
                "--resolve", "localhost:\(hub.port):127.0.0.1", "https://localhost:\(hub.port)/healthz",
            ])
            #expect(byName.status == 0 && byName.standardOutput == "200", "\(byName.standardError)")
            // Without the root, curl does not trust the hub: the check above means something.
            let untrusted = try await ProcessRunner.run(PKITools.curl, ["-sS", "-o", "/dev/null", url])
            #expect(untrusted.status == 60, "\(untrusted.standardError)")

            let sClient = try await PKITools.run([
                "s_client", "-connect", "127.0.0.1:\(hub.port)", "-CAfile", hub.certificatePath, "-verify_return_error",
                "-verify_ip", "127.0.0.1", "-showcerts",
            ])
            let output = sClient.standardOutput + sClient.standardError
            #expect(sClient.status == 0, "\(output)")
            #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
            #expect(output.contains("TLSv1.3"), "\(output)")
            // The hub sends its certificate and the default zone's CA, never the root.
            let sent = PKITools.certificates(in: output)
            #expect(sent.count == 2)
            if sent.count == 2 {
                let leaf = try PKITools.write(sent[0], folder, "hub.pem")
                let text = try await PKITools.ok(["x509", "-in", leaf, "-noout", "-text"])
                #expect(text.contains("TLS Web Server Authentication"))
                #expect(text.contains("IP Address:127.0.0.1") && text.contains("DNS:localhost"))
                #expect(text.contains("/household/\(hub.householdID)/hub"))
                let issuer = try PKITools.write(sent[1], folder, "issuer.pem")
                let issuerText = try await PKITools.ok(["x509", "-in", issuer, "-noout", "-subject"])
                #expect(issuerText.contains("Hearth default CA"))
            }

            // A client trusting another CA refuses the hub.
            let otherKey = try await PKITools.makeKey(folder, "other.key")
            let other = folder.appendingPathComponent("other.pem").path
            try await PKITools.ok(["req", "-x509", "-new", "-key", otherKey, "-subj", "/CN=Other", "-days", "1", "-out", other])
            let refused = try await PKITools.run([
                "s_client", "-connect", "127.0.0.1:\(hub.port)", "-CAfile", other, "-verify_return_error",
            ])
            #expect(refused.status != 0)
            #expect(!(refused.standardOutput + refused.standardError).contains("Verify return code: 0 (ok)"))
        }
    }

    // MARK: c. client certificates at the handshake

    @Test(arguments: TestEngine.allCases)
    func clientCertificatesAreCheckedAtTheHandshake(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await withTestHub(engine: engine) { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-mtls")
            defer { try? FileManager.default.removeItem(at: folder) }
            let root = hub.certificatePath
            let token = try await PKITools.token(hub)
            let first = try await PKITools.issue(hub, token: token, folder: folder, name: "first")
            let second = try await PKITools.issue(hub, token: token, folder: folder, name: "second")

            // No client certificate is fine (it is optional); the hub's own are accepted.
            let anonymous = try await ProcessRunner.run(
                PKITools.curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", root, "https://127.0.0.1:\(hub.port)/healthz"])
            #expect(anonymous.standardOutput == "200")
            #expect(try await PKITools.accepted(port: hub.port, root: root, certificate: first.chain, key: first.key))
            #expect(try await PKITools.accepted(port: hub.port, root: root, certificate: second.chain, key: second.key))
            // The leaf alone is enough: the hub finds the intermediate itself.
            #expect(try await PKITools.accepted(port: hub.port, root: root, certificate: first.leaf, key: first.key))

            // A certificate of the hub's own CA that is not a client certificate is refused.
            let server = try await PKITools.issue(hub, token: token, folder: folder, name: "server", profile: "server",
                                                  fields: ["dns_names": ["bridge.home.arpa"]])
            let serverText = try await PKITools.ok(["x509", "-in", server.leaf, "-noout", "-text"])
            #expect(serverText.contains("TLS Web Server Authentication") && !serverText.contains("Client Authentication"))
            let serverHandshake = try await PKITools.handshake(
                port: hub.port, root: root, certificate: server.chain, key: server.key)
            #expect(PKITools.refusedAtHandshake(serverHandshake), "\(serverHandshake)")

            // An unrelated CA, even one copying the zone CA's name and an identity of the household.
            let caSubject = try await PKITools.ok(["x509", "-in", first.intermediate, "-noout", "-subject", "-nameopt", "compat"])
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "")
            #expect(caSubject.hasPrefix("/O=Hearth/CN=Hearth default CA"), "\(caSubject)")
            let impostor = try await PKITools.impostor(folder, caSubject: caSubject, uri: first.uri + "x")
            let impostorHandshake = try await PKITools.handshake(
                port: hub.port, root: root, certificate: impostor.chain, key: impostor.key)
            #expect(PKITools.refusedAtHandshake(impostorHandshake), "\(impostorHandshake)")
            // A key that does not match the certificate never gets that far (curl refuses locally).
            let mismatched = try await PKITools.handshake(port: hub.port, root: root, certificate: first.chain, key: second.key)
            #expect(mismatched.status != 0)

            // Revoked through the API: refused from the next handshake, the other still accepted.
            let revoke = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(first.serial)/revoke", ["reason": "key-compromise"],
                headers: PKITools.bearer(token))
            #expect(revoke.status == 200, "\(revoke.text)")
            let timing = try await PKITools.pollUntilRefused(port: hub.port, root: root, certificate: first.chain, key: first.key)
            #expect(timing.refusedWithinASecond, "\(timing)")
            #expect(try await PKITools.accepted(port: hub.port, root: root, certificate: second.chain, key: second.key))
        }
    }

    /// The real binary serving, and the real binary revoking from another process (on SQLite, the
    /// same file; on PostgreSQL, the same database — as a second hub node would): the serving
    /// process refuses the certificate within a second, by its revocation watch alone.
    @Test(arguments: TestEngine.allCases)
    func aRevocationByAnotherProcessReachesHandshakesWithinASecond(engine: TestEngine) async throws {
        try await TestRequirement.check(engine.requirements)
        try await TestDatabase.with(engine) { database in
            let data = database.folder.appendingPathComponent("data")
            let folder = database.folder.appendingPathComponent("files")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let storeArguments = ["--data", data.path] + (engine == .postgres ? ["--database", database.url] : [])
            let hub = try HearthProcess(["serve", "--listen", "127.0.0.1:0"] + storeArguments)
            defer { hub.signal(SIGKILL) }
            let port = try await hub.waitForPort()
            let root = data.appendingPathComponent("ca-root.pem").path

            // Two certificates issued by `hearth ca issue`, each in its own process.
            var chains: [(chain: String, key: String, serial: String)] = []
            for name in ["revoked", "kept"] {
                let device = try await PKITools.newDevice(folder, name)
                let issued = try await PKITools.hearth(["ca", "issue", "--csr", device.csr, "--profile", "device"] + storeArguments)
                try #require(issued.status == 0, "\(issued.standardError)")
                #expect(issued.standardError.contains("issued serial"))
                let chain = try PKITools.write(issued.standardOutput, folder, "\(name).chain.pem")
                #expect(PKITools.certificates(in: issued.standardOutput).count == 2)
                let leaf = try PKITools.write(PKITools.certificates(in: issued.standardOutput)[0], folder, "\(name).pem")
                chains.append((chain: chain, key: device.key, serial: try await PKITools.serial(leaf)))
            }
            let (revoked, kept) = (chains[0], chains[1])
            #expect(try await PKITools.accepted(port: port, root: root, certificate: revoked.chain, key: revoked.key))
            #expect(try await PKITools.accepted(port: port, root: root, certificate: kept.chain, key: kept.key))

            let revoke = try await PKITools.hearth(
                ["ca", "revoke", "--serial", revoked.serial, "--reason", "key-compromise"] + storeArguments)
            #expect(revoke.status == 0, "\(revoke.standardError)")
            #expect(revoke.standardOutput.contains("revoked \(revoked.serial)"))
            // Committed when the revoking process has exited; from then on, within a second.
            let timing = try await PKITools.pollUntilRefused(port: port, root: root, certificate: revoked.chain, key: revoked.key)
            #expect(timing.refusedWithinASecond, "\(timing)")
            #expect(try await PKITools.accepted(port: port, root: root, certificate: kept.chain, key: kept.key))

            let list = try await PKITools.hearth(["ca", "list", "--status", "revoked", "--json"] + storeArguments)
            #expect(list.status == 0)
            #expect(list.standardOutput.contains(#""serial":"\#(revoked.serial)""#))
            #expect(list.standardOutput.contains(#""revocation_reason":"key-compromise""#))
            hub.signal(SIGTERM)
            #expect(try await hub.waitForExit(timeout: .seconds(30)) == 0)
        }
    }

    // MARK: d. name constraints

    /// Each zone CA may certify only its household's identity host. With a zone CA's real key
    /// (unsealed here with the data folder's KEK), openssl signs by hand: inside the household the
    /// chain verifies; another household's host is a name-constraint violation for openssl and a
    /// refused handshake for the hub; another household's id under this household's host passes
    /// openssl (URI constraints compare hosts only) but not the hub's own check.
    @Test func zoneCAsAreConstrainedToTheirHousehold() async throws {
        let root = try TemporaryFolder.make(prefix: "pki-constraints")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let folder = root.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let initialized = try await PKITools.hearth(["init", "--data", data.path])
        try #require(initialized.status == 0, "\(initialized.standardError)")
        let rootCA = data.appendingPathComponent("ca-root.pem").path

        struct Facts: Sendable {
            let household: HouseholdID
            let trustDomain: String
            let intermediates: [String: [UInt8]]
            let defaultKeyPEM: String
            let defaultPublicKeyPEM: String
            let issuedChain: String
            let issuedURI: String
        }
        let device = try await PKITools.newDevice(folder, "issued")
        let facts = try await PKITools.withDataFolder(data) { store, sealer in
            let (households, identity, authorities) = try await store.read { db in
                (try await db.households.all(), try await db.hub.identity(), try await db.pki.authorities())
            }
            let household = try #require(households.first).id
            let trustDomain = try #require(identity).trustDomain
            let intermediates = authorities.filter { $0.role == .intermediate }
            let defaults = intermediates.filter { $0.zone == "default" }
            try #require(defaults.count == 1)
            let defaultZone = defaults[0]
            let key = try P256.Signing.PrivateKey(
                derRepresentation: try sealer.open(defaultZone.sealedKey, name: "ca:\(defaultZone.id)"))
            // The key sealed in the CA's row is the key its certificate names.
            #expect(SHA256.hash(data: key.publicKey.x963Representation).hexString == defaultZone.keyFingerprint)
            // Issued by the hub itself, for this household.
            let pki = try await HubPKI.open(store: store, sealer: sealer)
            let order = try CertificateOrderInput(
                csrPEM: device.pem, profile: "device", deviceID: nil, name: "sensor", zone: nil, dnsNames: [],
                lifetimeSeconds: nil
            ).order(household: household)
            let issued = try await pki.issue(order, actor: .system("test"))
            var certificates: [String: [UInt8]] = [:]
            for authority in intermediates { certificates[authority.zone ?? ""] = authority.certificateDER }
            return Facts(
                household: household, trustDomain: trustDomain, intermediates: certificates,
                defaultKeyPEM: key.pemRepresentation, defaultPublicKeyPEM: key.publicKey.pemRepresentation,
                issuedChain: issued.chainPEM, issuedURI: issued.record.uri)
        }
        let host = PKITools.host(household: facts.household, trustDomain: facts.trustDomain)
        #expect(Set(facts.intermediates.keys) == ["default", "security", "climate", "lighting", "quarantine"])

        // Every zone CA permits exactly the household's host for URIs, and for DNS names only
        // local names (issue 18.2), critically, and excludes nothing.
        for (zone, der) in facts.intermediates {
            let derPath = folder.appendingPathComponent("\(zone).der")
            try Data(der).write(to: derPath)
            let pem = folder.appendingPathComponent("\(zone).pem").path
            try await PKITools.ok(["x509", "-inform", "DER", "-in", derPath.path, "-out", pem])
            let text = try await PKITools.ok(["x509", "-in", pem, "-noout", "-ext", "nameConstraints"])
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.first == "X509v3 Name Constraints: critical", "\(zone): \(text)")
            #expect(lines.contains("Permitted:") && !lines.contains("Excluded:"), "\(zone): \(text)")
            #expect(lines.filter { $0.contains(":") && !$0.hasPrefix("X509v3") && $0 != "Permitted:" } == [
                "DNS:localhost", "DNS:home.arpa", "DNS:local", "URI:\(host)",
            ], "\(zone): \(text)")
            let verified = try await PKITools.run(["verify", "-CAfile", rootCA, pem])
            #expect(verified.status == 0, "\(zone): \(verified.standardOutput)\(verified.standardError)")
        }
        let zoneCA = folder.appendingPathComponent("default.pem").path
        let zonePublicKey = try await PKITools.ok(["x509", "-in", zoneCA, "-noout", "-pubkey"])
        #expect(zonePublicKey.trimmingCharacters(in: .whitespacesAndNewlines)
            == facts.defaultPublicKeyPEM.trimmingCharacters(in: .whitespacesAndNewlines), "the unsealed key is not the default CA's")

        // What the hub issues for the household verifies under the constraint.
        let issued = PKITools.certificates(in: facts.issuedChain)
        try #require(issued.count == 2)
        let issuedLeaf = try PKITools.write(issued[0], folder, "issued.pem")
        #expect(facts.issuedURI.hasPrefix("spiffe://\(host)/household/\(facts.household)/device/"))
        let issuedCheck = try await PKITools.run(["verify", "-CAfile", rootCA, "-untrusted", zoneCA, issuedLeaf])
        #expect(issuedCheck.status == 0, "\(issuedCheck.standardOutput)\(issuedCheck.standardError)")

        // Signed by hand with the default zone CA's real key.
        let zoneKey = try PKITools.write(facts.defaultKeyPEM, folder, "zone.key")
        let other = HouseholdID()
        let otherHost = PKITools.host(household: other, trustDomain: facts.trustDomain)
        let cases: [(name: String, uri: String, opensslAccepts: Bool, hubAccepts: Bool)] = [
            ("inside", "spiffe://\(host)/household/\(facts.household)/device/\(DeviceID())", true, true),
            ("other-household", "spiffe://\(otherHost)/household/\(other)/device/\(DeviceID())", false, false),
            ("foreign-host", "spiffe://evil.example/household/\(facts.household)/device/\(DeviceID())", false, false),
            ("other-household-path", "spiffe://\(host)/household/\(other)/device/\(DeviceID())", true, false),
        ]
        var signed: [(name: String, chain: String, key: String, hubAccepts: Bool)] = []
        for item in cases {
            let device = try await PKITools.newDevice(folder, item.name)
            let leaf = try await PKITools.signByHand(folder, "\(item.name)-leaf", csr: device.csr, ca: zoneCA, caKey: zoneKey, uri: item.uri)
            let check = try await PKITools.run(["verify", "-CAfile", rootCA, "-untrusted", zoneCA, leaf])
            let output = check.standardOutput + check.standardError
            if item.opensslAccepts {
                #expect(check.status == 0, "\(item.name): \(output)")
            } else {
                #expect(check.status != 0, "\(item.name): openssl accepted \(item.uri)")
                #expect(output.contains("permitted subtree violation"), "\(item.name): \(output)")
            }
            let chain = try PKITools.write(try PKITools.read(leaf) + PKITools.read(zoneCA), folder, "\(item.name).chain")
            signed.append((name: item.name, chain: chain, key: device.key, hubAccepts: item.hubAccepts))
        }

        // The hub's handshake applies the same constraint and its own household check.
        let hub = try HearthProcess(["serve", "--data", data.path, "--listen", "127.0.0.1:0"])
        defer { hub.signal(SIGKILL) }
        let port = try await hub.waitForPort()
        for item in signed {
            let result = try await PKITools.handshake(port: port, root: rootCA, certificate: item.chain, key: item.key)
            if item.hubAccepts {
                #expect(result.status == 0 && result.http == "200", "\(item.name): \(result)")
            } else {
                #expect(PKITools.refusedAtHandshake(result), "\(item.name): \(result)")
            }
        }
        hub.signal(SIGTERM)
        #expect(try await hub.waitForExit(timeout: .seconds(30)) == 0)
    }

    // MARK: e. the CA bundle and OCSP over GET

    @Test func theCABundleAndOCSPOverGETWorkWithOpenSSL() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-bundle")
            defer { try? FileManager.default.removeItem(at: folder) }
            let response = try await hub.client.request("GET", "/v1/pki/ca")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/pem-certificate-chain")
            let blocks = PKITools.certificates(in: response.text)
            try #require(blocks.count == 6, "a root and 5 zone CAs: \(response.text)")
            #expect(blocks[0] == (try PKITools.read(hub.certificatePath)), "the root comes first")
            let root = try PKITools.write(blocks[0], folder, "root.pem")
            let rootText = try await PKITools.ok(["x509", "-in", root, "-noout", "-text"])
            #expect(rootText.contains("CA:TRUE, pathlen:1") && rootText.contains("NIST CURVE: P-384"))
            let rootSelf = try await PKITools.run(["verify", "-CAfile", root, root])
            #expect(rootSelf.status == 0)
            var zones: [String] = []
            for (index, block) in blocks.dropFirst().enumerated() {
                let path = try PKITools.write(block, folder, "ca\(index).pem")
                let text = try await PKITools.ok(["x509", "-in", path, "-noout", "-text"])
                #expect(text.contains("CA:TRUE, pathlen:0") && text.contains("X509v3 Name Constraints: critical"))
                let verified = try await PKITools.run(["verify", "-CAfile", root, path])
                #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
                let subject = try await PKITools.ok(["x509", "-in", path, "-noout", "-subject"])
                if let range = subject.range(of: "CN = Hearth ") {
                    zones.append(String(subject[range.upperBound...].prefix { $0 != " " }))
                }
            }
            #expect(Set(zones) == ["default", "security", "climate", "lighting", "quarantine"])

            // RFC 6960 appendix A.1: GET with the URL-encoded base64 of a request openssl wrote.
            let token = try await PKITools.token(hub)
            let issued = try await PKITools.issue(hub, token: token, folder: folder, name: "device")
            let request = folder.appendingPathComponent("request.der").path
            try await PKITools.ok(["ocsp", "-issuer", issued.intermediate, "-cert", issued.leaf, "-reqout", request])
            let base64 = try Data(contentsOf: URL(fileURLWithPath: request)).base64EncodedString()
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encoded = try #require(base64.addingPercentEncoding(withAllowedCharacters: allowed))
            let answer = try await hub.client.request("GET", "/v1/pki/ocsp/\(encoded)")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "application/ocsp-response")
            let responsePath = folder.appendingPathComponent("response.der")
            try answer.body.write(to: responsePath)
            let read = try await PKITools.ok([
                "ocsp", "-reqin", request, "-respin", responsePath.path, "-issuer", issued.intermediate, "-CAfile",
                hub.certificatePath, "-resp_text",
            ])
            #expect(read.contains("Response verify OK"), "\(read)")
            #expect(read.contains("Cert Status: good"), "\(read)")
            #expect(read.contains("Serial Number: \(issued.serial.uppercased())"), "\(read)")
            #expect(read.contains("OCSP Nonce:"), "\(read)")
            #expect(!read.contains("WARNING") && !read.contains("Nonce Verify error"), "\(read)")
        }
    }

    /// A serial whose first byte has its top bit set is sent in an OCSP request with a 0x00 sign
    /// byte in front (DER INTEGER), while the inventory keeps its magnitude: the responder must
    /// still find it (a regression: it answered `unknown`, also once the certificate was revoked).
    @Test func ocspFindsSerialsWhoseTopBitIsSet() async throws {
        try await withTestHub { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-ocsp-serial")
            defer { try? FileManager.default.removeItem(at: folder) }
            let token = try await PKITools.token(hub)
            let issued = try await PKITools.issue(hub, token: token, folder: folder, name: "device")
            // An inventory entry of the same CA with such a serial, as a certificate issued before
            // serials got their fixed leading 0x01 may have (1 in 256 of them).
            let serial = "81" + SecureRandom.bytes(14).hexString
            let now = hub.clock.now
            let record = CertificateRecord(
                serial: serial, issuerID: issued.issuer, keyFingerprint: SecureRandom.bytes(32).hexString,
                householdID: hub.householdID.rawValue, deviceID: nil, zone: "default", profile: "device",
                uri: issued.uri + "-old", notBefore: now.addingTimeInterval(-60), notAfter: now.addingTimeInterval(3600),
                issuedAuditSeq: 0, origin: .admin, certificateDER: [0x30, 0x00])
            try await hub.store.write { db in try await db.pki.insert([record]) }

            func ask() async throws -> String {
                try await PKITools.ok([
                    "ocsp", "-issuer", issued.intermediate, "-serial", "0x" + serial, "-url",
                    "https://127.0.0.1:\(hub.port)/v1/pki/ocsp", "-CAfile", hub.certificatePath, "-resp_text",
                ])
            }
            let good = try await ask()
            #expect(good.contains("Response verify OK"), "\(good)")
            #expect(good.contains("Serial Number: \(serial.uppercased())"), "\(good)")
            #expect(good.contains("Cert Status: good"), "\(good)")
            let revoke = try await hub.client.json(
                "POST", "/v1/pki/certificates/\(serial)/revoke", ["reason": "key-compromise"], headers: PKITools.bearer(token))
            #expect(revoke.status == 200, "\(revoke.text)")
            let revoked = try await ask()
            #expect(revoked.contains("Cert Status: revoked"), "\(revoked)")
            #expect(revoked.contains("Revocation Reason: keyCompromise"), "\(revoked)")
        }
    }

    // MARK: 3. private keys at rest and in output

    /// After `hearth init` and `hearth ca issue` (and, with a connection held open so the
    /// write-ahead log stays on disk, a second issue and an intermediate rotation), no CA key and
    /// not the hub's TLS key appears in clear in any file of the data folder, nor in anything the
    /// CLI prints — while their sealed forms are found, so the scan does see the rows.
    @Test func noPrivateKeyIsInAnyFileOrOutputInClear() async throws {
        let root = try TemporaryFolder.make(prefix: "pki-keyscan")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let folder = root.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var outputs: [String: String] = [:]
        func record(_ name: String, _ result: ProcessRunner.Result) {
            outputs[name] = result.standardOutput + "\n" + result.standardError
        }
        let initialized = try await PKITools.hearth(["init", "--data", data.path])
        try #require(initialized.status == 0, "\(initialized.standardError)")
        record("init", initialized)
        let first = try await PKITools.newDevice(folder, "first")
        let issued = try await PKITools.hearth(["ca", "issue", "--data", data.path, "--csr", first.csr, "--profile", "device"])
        try #require(issued.status == 0, "\(issued.standardError)")
        record("ca issue", issued)

        func files() throws -> [String: Data] {
            var contents: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: data.path)
            while let name = enumerator?.nextObject() as? String {
                let path = data.appendingPathComponent(name).path
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                contents[name] = FileManager.default.contents(atPath: path) ?? Data()
            }
            return contents
        }
        var scans: [(String, [String: Data])] = [("after init and issue", try files())]

        struct Key: Sendable {
            let name: String
            let needles: [Data]
            let sealed: Data
        }
        func needles(raw: Data, der: Data, pem: String) -> [Data] {
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            return [raw, der, Data(pem.utf8), Data(body.utf8), Data(raw.base64EncodedString().utf8),
                    Data([UInt8](raw).hexString.utf8), Data([UInt8](raw).hexString.uppercased().utf8)]
        }
        func unsealAll(_ store: Store, _ sealer: KeySealer) async throws -> [Key] {
            let (authorities, tls) = try await store.read { db in
                (try await db.pki.authorities(), try await db.hub.key(named: HubCertificate.keyName))
            }
            var keys: [Key] = []
            for authority in authorities {
                let der = try sealer.open(authority.sealedKey, name: "ca:\(authority.id)")
                if authority.role == .root {
                    let key = try P384.Signing.PrivateKey(derRepresentation: der)
                    #expect(SHA256.hash(data: key.publicKey.x963Representation).hexString == authority.keyFingerprint)
                    keys.append(Key(name: "root CA", needles: needles(raw: key.rawRepresentation, der: key.derRepresentation,
                                                                       pem: key.pemRepresentation) + [Data(der)],
                                    sealed: Data(authority.sealedKey)))
                } else {
                    let key = try P256.Signing.PrivateKey(derRepresentation: der)
                    #expect(SHA256.hash(data: key.publicKey.x963Representation).hexString == authority.keyFingerprint)
                    keys.append(Key(name: "\(authority.zone ?? "?") CA \(authority.id)",
                                    needles: needles(raw: key.rawRepresentation, der: key.derRepresentation,
                                                     pem: key.pemRepresentation) + [Data(der)],
                                    sealed: Data(authority.sealedKey)))
                }
            }
            let stored = try #require(tls)
            let hubKey = try HubCertificate.unseal(stored.sealedKey, certificatePEM: stored.certificatePEM, with: sealer).privateKey.softwareP256!
            keys.append(Key(name: "hub TLS", needles: needles(raw: hubKey.rawRepresentation, der: hubKey.derRepresentation,
                                                              pem: hubKey.pemRepresentation), sealed: Data(stored.sealedKey)))
            return keys
        }

        // Held open, this process's connection keeps SQLite from folding the WAL into the file
        // when the CLI processes below close theirs, so the WAL is scanned as it was written.
        let keys = try await PKITools.withDataFolder(data) { store, sealer in
            let before = try await unsealAll(store, sealer)
            let second = try await PKITools.newDevice(folder, "second")
            let again = try await PKITools.hearth(["ca", "issue", "--data", data.path, "--csr", second.csr, "--profile", "device"])
            #expect(again.status == 0, "\(again.standardError)")
            record("ca issue (2)", again)
            let rotated = try await PKITools.hearth(["ca", "rotate-intermediate", "default", "--data", data.path])
            #expect(rotated.status == 0, "\(rotated.standardError)")
            record("ca rotate-intermediate", rotated)
            let walFiles = try files()
            #expect((walFiles["hearth.sqlite-wal"]?.count ?? 0) > 0, "no write-ahead log to scan")
            scans.append(("with the WAL on disk", walFiles))
            let after = try await unsealAll(store, sealer)
            #expect(after.count == before.count + 1, "the rotation added one CA key")
            return after
        }
        scans.append(("after every process closed", try files()))
        #expect(keys.count == 8, "the root, 6 zone CAs (one rotated) and the hub's TLS key: \(keys.map(\.name))")

        for (name, arguments) in [
            ("ca list", ["ca", "list"]), ("ca list --json", ["ca", "list", "--json"]),
            ("ca authorities", ["ca", "authorities"]), ("ca export-root", ["ca", "export-root"]),
            ("audit export", ["audit", "export"]),
        ] {
            let result = try await PKITools.hearth(arguments + ["--data", data.path])
            #expect(result.status == 0, "\(name): \(result.standardError)")
            record(name, result)
        }
        #expect(outputs["audit export"]?.contains("certificate.issued") == true)
        #expect(outputs["ca export-root"]?.contains("BEGIN CERTIFICATE") == true)

        for key in keys {
            // The sealed form is in the files: the scan reads what the database wrote.
            let sealedFound = scans.last!.1.values.contains { ByteSearch.contains($0, key.sealed) }
            #expect(sealedFound, "the sealed \(key.name) key is in no file; the scan would prove nothing")
            for (moment, contents) in scans {
                for (file, bytes) in contents {
                    for (index, needle) in key.needles.enumerated() where ByteSearch.contains(bytes, needle) {
                        Issue.record("the \(key.name) key (form \(index)) is in clear in \(file), \(moment)")
                    }
                }
            }
            for (command, text) in outputs {
                let bytes = Data(text.utf8)
                for (index, needle) in key.needles.enumerated() where ByteSearch.contains(bytes, needle) {
                    Issue.record("`hearth \(command)` printed the \(key.name) key (form \(index))")
                }
            }
        }
        for (command, text) in outputs {
            #expect(!text.contains("PRIVATE KEY"), "`hearth \(command)` printed a private key")
        }
    }
}
