import Foundation
import HearthAudit
import HearthCore
import HearthHub
import HearthServer
import HearthStore
import HearthTesting
import Testing

/// Whatever an owner (or a stranger) sends the CA that it must refuse gets a problem+json answer
/// and leaves every table as it was: nothing issued, no device made, nothing audited.
@Suite struct PKIBadInputTests {
    /// What a case sends, built after the hub is up (some cases need a CSR, a device or a member).
    struct Request: Sendable {
        var method = "POST"
        var path = "/v1/pki/certificates"
        var token: String?
        var contentType: String? = "application/json"
        var body: Data?

        /// A JSON body for `POST /v1/pki/certificates` as the owner.
        static func issue(_ fixture: Fixture, _ fields: [String: Any]) throws -> Request {
            Request(token: fixture.owner, body: try JSONSerialization.data(withJSONObject: fields))
        }
    }

    /// The hub and the owner's session, and a folder for openssl's files.
    struct Fixture: Sendable {
        let hub: TestHub
        let owner: String
        let folder: URL

        /// A valid CSR for a new P-256 key.
        func csr(_ name: String = "device") async throws -> String {
            try await PKITools.newDevice(folder, name).pem
        }

        /// A CSR made by `openssl req -newkey <arguments>`.
        func csr(newKey arguments: [String], name: String) async throws -> String {
            let path = folder.appendingPathComponent("\(name).csr").path
            try await PKITools.ok([
                "req", "-new", "-nodes", "-keyout", folder.appendingPathComponent("\(name).key").path, "-subj", "/CN=device",
                "-out", path,
            ] + arguments)
            return try PKITools.read(path)
        }

        /// A person of `household` (the hub's by default) with a session.
        func person(_ role: Role, household: HouseholdID? = nil, email: String) async throws -> String {
            let password = "a-long-password-123"
            try await hub.addPerson(household: household ?? hub.householdID, email: email, role: role, password: password)
            return try await PKITools.token(hub, email: email, password: password)
        }

        /// Issues a certificate (it must succeed) and returns its serial.
        func issued(_ csr: String) async throws -> String {
            let response = try await PKITools.requestCertificate(hub, token: owner, csr: csr)
            try #require(response.status == 201, "the first issue: \(response.status) \(response.text)")
            return try #require(try response.json()["certificate"] as? [String: Any])["serial"] as? String ?? ""
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let status: Int
        let code: String
        /// Words the problem's detail must contain, so the refusal is the one meant.
        let detail: String?
        /// Refused only after the store was consulted (or written and rolled back), so worth
        /// running on PostgreSQL too; the others are refused before any query.
        let consultsStore: Bool
        /// Runs before the first snapshot; returns the request to send.
        let prepare: @Sendable (Fixture) async throws -> Request
        var testDescription: String { name }

        init(_ name: String, _ status: Int, _ code: String, detail: String? = nil, consultsStore: Bool = false,
             _ prepare: @escaping @Sendable (Fixture) async throws -> Request) {
            self.name = name
            self.status = status
            self.code = code
            self.detail = detail
            self.consultsStore = consultsStore
            self.prepare = prepare
        }
    }

    /// A valid CSR's DER with one byte of its signature flipped, as PEM again.
    static func wrongSignature(_ csr: String) throws -> String {
        let body = csr.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var der = [UInt8](try #require(Data(base64Encoded: body)))
        // The signature (an ECDSA r, s) is the last bytes of the request.
        der[der.count - 5] ^= 0x01
        return Self.pem(der)
    }

    static func pem(_ der: [UInt8], label: String = "CERTIFICATE REQUEST") -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }

    static let cases: [Case] = [
        // The CSR itself.
        Case("garbage CSR", 422, "invalid-input", detail: "PEM", consultsStore: true) { try .issue($0, ["csr": "hello, hub", "profile": "device"]) },
        Case("empty CSR", 422, "invalid-input") { try .issue($0, ["csr": "", "profile": "device"]) },
        Case("truncated PEM", 422, "invalid-input") { fixture in
            let pem = try await fixture.csr()
            return try .issue(fixture, ["csr": String(pem.prefix(pem.count / 2)), "profile": "device"])
        },
        Case("PEM with half its body", 422, "invalid-input") { fixture in
            let lines = try await fixture.csr().split(separator: "\n")
            let cut = [lines[0]] + lines[1..<(lines.count - 1)].prefix((lines.count - 2) / 2) + [lines[lines.count - 1]]
            return try .issue(fixture, ["csr": cut.joined(separator: "\n") + "\n", "profile": "device"])
        },
        Case("a certificate instead of a CSR", 422, "invalid-input", detail: "CERTIFICATE REQUEST") { fixture in
            let pem = try PKITools.read(fixture.hub.certificatePath)
            return try .issue(fixture, ["csr": pem, "profile": "device"])
        },
        Case("CSR over 8 KiB", 422, "invalid-input", detail: "larger than") { fixture in
            // A well-formed PEM block whose DER is 9,000 bytes: under the PEM limit, over the DER one.
            try .issue(fixture, ["csr": Self.pem(SecureRandom.bytes(9000)), "profile": "device"])
        },
        Case("CSR field over 16 KiB in a body under 64 KiB", 422, "invalid-input", detail: "larger than") { fixture in
            try .issue(fixture, ["csr": Self.pem(SecureRandom.bytes(30_000)), "profile": "device"])
        },
        Case("wrong signature", 422, "invalid-input", detail: "signature") { fixture in
            try .issue(fixture, ["csr": try Self.wrongSignature(try await fixture.csr()), "profile": "device"])
        },
        Case("RSA-2048 key", 422, "invalid-input", detail: "RSA") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(newKey: ["-newkey", "rsa:2048"], name: "rsa2048"), "profile": "device"])
        },
        Case("RSA-3072 key", 422, "invalid-input", detail: "RSA") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(newKey: ["-newkey", "rsa:3072"], name: "rsa3072"), "profile": "device"])
        },
        // Keys swift-certificates cannot even read are named, not called malformed (issue 18, item 4).
        Case("RSA-1024 key", 422, "invalid-input", detail: "key type (RSA-1024) is not accepted") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(newKey: ["-newkey", "rsa:1024"], name: "rsa1024"), "profile": "device"])
        },
        Case("P-192 key", 422, "invalid-input", detail: "key type (P-192) is not accepted") { fixture in
            let csr = try await fixture.csr(newKey: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-192"], name: "p192")
            return try .issue(fixture, ["csr": csr, "profile": "device"])
        },
        Case("P-521 key", 422, "invalid-input", detail: "key type") { fixture in
            let csr = try await fixture.csr(newKey: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"], name: "p521")
            return try .issue(fixture, ["csr": csr, "profile": "device"])
        },
        Case("a key certified before", 409, "conflict", detail: "already certified", consultsStore: true) { fixture in
            let csr = try await fixture.csr()
            _ = try await fixture.issued(csr)
            return try .issue(fixture, ["csr": csr, "profile": "device"])
        },
        Case("a key certified before, under another profile", 409, "conflict", consultsStore: true) { fixture in
            let csr = try await fixture.csr()
            _ = try await fixture.issued(csr)
            return try .issue(fixture, ["csr": csr, "profile": "gateway", "name": "other"])
        },

        // The order.
        Case("unknown profile", 422, "invalid-input", detail: "profile") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "admin"])
        },
        Case("malformed device id", 422, "invalid-input", detail: "device id") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "device_id": "../../etc/passwd"])
        },
        Case("unknown device id", 404, "not-found", consultsStore: true) { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "device_id": DeviceID().rawValue])
        },
        Case("a device id and a name", 422, "invalid-input") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "device_id": DeviceID().rawValue, "name": "x"])
        },
        Case("DNS names on a device certificate", 422, "invalid-input", detail: "DNS") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "dns_names": ["device.home.arpa"]])
        },
        Case("a wildcard DNS name", 422, "invalid-input") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "server", "dns_names": ["*.home.arpa"]])
        },
        Case("lifetime over the device maximum", 422, "invalid-input", detail: "30 days", consultsStore: true) { fixture in
            // Refused after the identity is chosen: the device it would have made is not stored either.
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "lifetime_seconds": 31 * 86_400])
        },
        Case("zero lifetime", 422, "invalid-input") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "lifetime_seconds": 0])
        },
        Case("unknown zone", 404, "not-found", detail: "zone", consultsStore: true) { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "zone": "garage"])
        },
        Case("malformed zone", 422, "invalid-input") { fixture in
            try .issue(fixture, ["csr": try await fixture.csr(), "profile": "device", "zone": "Not a zone!"])
        },
        Case("no CSR field", 422, "invalid-body", detail: "csr") { try .issue($0, ["profile": "device"]) },
        Case("CSR of the wrong type", 422, "invalid-body") { try .issue($0, ["csr": 42, "profile": "device"]) },
        Case("malformed JSON", 400, "malformed-json") { fixture in
            Request(token: fixture.owner, body: Data(#"{"csr": "#.utf8))
        },
        Case("not JSON", 415, "unsupported-media-type") { fixture in
            Request(token: fixture.owner, contentType: "application/pkcs10", body: Data(try await fixture.csr().utf8))
        },
        Case("body over 64 KiB", 413, "body-too-large") { fixture in
            try .issue(fixture, ["csr": String(repeating: "A", count: 70_000), "profile": "device"])
        },

        // Who asks.
        Case("no session", 401, "unauthenticated") { fixture in
            var request = try Request.issue(fixture, ["csr": try await fixture.csr(), "profile": "device"])
            request.token = nil
            return request
        },
        Case("unknown session", 401, "unauthenticated") { fixture in
            var request = try Request.issue(fixture, ["csr": try await fixture.csr(), "profile": "device"])
            request.token = "hst_forged"
            return request
        },
        Case("a member, not an owner", 403, "forbidden", consultsStore: true) { fixture in
            let member = try await fixture.person(.member, email: "member@example.org")
            var request = try Request.issue(fixture, ["csr": try await fixture.csr(), "profile": "device"])
            request.token = member
            return request
        },
        Case("a member listing certificates", 403, "forbidden") { fixture in
            let member = try await fixture.person(.member, email: "member@example.org")
            return Request(method: "GET", path: "/v1/pki/certificates", token: member, contentType: nil)
        },
        Case("no session listing authorities", 401, "unauthenticated") { _ in
            Request(method: "GET", path: "/v1/pki/authorities", contentType: nil)
        },
        Case("a bad certificate query", 400, "invalid-query") { fixture in
            Request(method: "GET", path: "/v1/pki/certificates?status=expired", token: fixture.owner, contentType: nil)
        },

        // Revocation.
        Case("revoking an unknown serial", 404, "not-found", consultsStore: true) { fixture in
            Request(path: "/v1/pki/certificates/0123456789abcdef/revoke", token: fixture.owner,
                    body: Data(#"{"reason": "key-compromise"}"#.utf8))
        },
        Case("revoking a serial that is not hex", 404, "not-found") { fixture in
            Request(path: "/v1/pki/certificates/not-a-serial/revoke", token: fixture.owner,
                    body: Data(#"{"reason": "key-compromise"}"#.utf8))
        },
        Case("an unknown revocation reason", 422, "invalid-input") { fixture in
            let serial = try await fixture.issued(try await fixture.csr())
            return Request(path: "/v1/pki/certificates/\(serial)/revoke", token: fixture.owner,
                           body: Data(#"{"reason": "bored"}"#.utf8))
        },
        Case("revoking twice", 409, "conflict", detail: "already revoked", consultsStore: true) { fixture in
            let serial = try await fixture.issued(try await fixture.csr())
            let first = try await fixture.hub.client.json(
                "POST", "/v1/pki/certificates/\(serial)/revoke", ["reason": "superseded"], headers: PKITools.bearer(fixture.owner))
            try #require(first.status == 200, "the first revocation: \(first.text)")
            return Request(path: "/v1/pki/certificates/\(serial)/revoke", token: fixture.owner,
                           body: Data(#"{"reason": "key-compromise"}"#.utf8))
        },
        Case("another household's owner revoking", 404, "not-found", consultsStore: true) { fixture in
            let serial = try await fixture.issued(try await fixture.csr())
            let other = try Household(name: "Other home", createdAt: fixture.hub.clock.now)
            try await fixture.hub.store.write { db in try await db.households.insert(other) }
            let stranger = try await fixture.person(.owner, household: other.id, email: "owner2@example.org")
            return Request(path: "/v1/pki/certificates/\(serial)/revoke", token: stranger,
                           body: Data(#"{"reason": "key-compromise"}"#.utf8))
        },
        Case("a member revoking", 403, "forbidden") { fixture in
            let serial = try await fixture.issued(try await fixture.csr())
            let member = try await fixture.person(.member, email: "member@example.org")
            return Request(path: "/v1/pki/certificates/\(serial)/revoke", token: member,
                           body: Data(#"{"reason": "key-compromise"}"#.utf8))
        },

        // The public endpoints.
        Case("an unknown CRL", 404, "not-found", consultsStore: true) { _ in
            Request(method: "GET", path: "/v1/pki/crl/0123456789abcdef0123456789abcdef01234567.crl", contentType: nil)
        },
        Case("a CRL of another format", 404, "not-found") { fixture in
            let id = fixture.hub.pki.authorities.root.id
            return Request(method: "GET", path: "/v1/pki/crl/\(id).txt", contentType: nil)
        },
        Case("an OCSP request over 4 KiB", 413, "body-too-large") { _ in
            Request(path: "/v1/pki/ocsp", contentType: "application/ocsp-request", body: Data(SecureRandom.bytes(5000)))
        },
    ]

    /// Every case on SQLite; those refused after a query on PostgreSQL as well.
    static let runs: [(TestEngine, Case)] =
        cases.map { (.sqlite, $0) } + cases.filter(\.consultsStore).map { (.postgres, $0) }

    @Test(arguments: runs)
    func refusalsAreProblemsAndChangeNothing(engine: TestEngine, input: Case) async throws {
        try await TestRequirement.check(engine.requirements)
        // No background checkpoint signs the sign-ins between the two snapshots.
        try await withTestHub(engine: engine, configure: { $0.auditCheckpointInterval = .seconds(3600) }) { hub in
            let folder = try TemporaryFolder.make(prefix: "pki-bad")
            defer { try? FileManager.default.removeItem(at: folder) }
            let fixture = Fixture(hub: hub, owner: try await PKITools.token(hub), folder: folder)
            let request = try await input.prepare(fixture)
            // The sign-in above is audited: its checkpoint is signed now, so that the hub's own
            // first checkpoint round, should it come late, finds nothing left to sign between the
            // two snapshots.
            _ = try await hub.services.checkpointer.checkpoint()
            let before = try await DatabaseSnapshot.take(hub.store)

            var headers: [String: String] = [:]
            if let contentType = request.contentType { headers["Content-Type"] = contentType }
            if let token = request.token { headers["Authorization"] = "Bearer \(token)" }
            let response = try await hub.client.request(request.method, request.path, headers: headers, body: request.body)
            #expect(response.status == input.status, "\(response.text)")
            #expect(response.headers["content-type"] == "application/problem+json")
            let problem = try response.json()
            #expect(problem["code"] as? String == input.code, "\(response.text)")
            #expect(problem["status"] as? Int == input.status)
            #expect(problem["type"] as? String == "urn:hearth:problem:\(input.code)")
            #expect(problem["instance"] as? String == String(request.path.split(separator: "?")[0]))
            if let words = input.detail {
                #expect((problem["detail"] as? String)?.contains(words) == true, "\(response.text)")
            }
            #expect(!response.text.contains("BEGIN CERTIFICATE"), "a refusal carries a certificate")

            let after = try await DatabaseSnapshot.take(hub.store)
            #expect(after == before, "the refused request changed \(Self.changedTables(before, after))")
        }
    }

    static func changedTables(_ before: DatabaseSnapshot, _ after: DatabaseSnapshot) -> [String] {
        DatabaseSnapshot.tableNames.filter { before.tables[$0] != after.tables[$0] }
    }

    /// The OCSP responder answers what it cannot read with the unsigned `malformedRequest`
    /// response (RFC 6960 §2.3), over HTTP 200 as the protocol expects, and stores nothing.
    @Test func unreadableOCSPRequestsGetMalformedRequest() async throws {
        try await withTestHub { hub in
            let before = try await DatabaseSnapshot.take(hub.store)
            let malformed = Data([0x30, 0x03, 0x0A, 0x01, 0x01])
            let bodies: [Data] = [Data("garbage".utf8), Data(), Data(SecureRandom.bytes(300)), Data([0x30, 0x82, 0xFF, 0xFF])]
            for body in bodies {
                let response = try await hub.client.request(
                    "POST", "/v1/pki/ocsp", headers: ["Content-Type": "application/ocsp-request"], body: body)
                #expect(response.status == 200)
                #expect(response.headers["content-type"] == "application/ocsp-response")
                #expect(response.body == malformed, "\(Array(response.body))")
            }
            for path in ["/v1/pki/ocsp/garbage", "/v1/pki/ocsp/%25%25%25", "/v1/pki/ocsp/" + Data("not DER".utf8).base64EncodedString()] {
                let response = try await hub.client.request("GET", path)
                #expect(response.status == 200, "\(path)")
                #expect(response.body == malformed, "\(path): \(Array(response.body))")
            }
            // openssl reads it as what it is.
            let folder = try TemporaryFolder.make(prefix: "pki-ocsp-bad")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("response.der")
            try malformed.write(to: path)
            let text = try await PKITools.run(["ocsp", "-respin", path.path, "-resp_text", "-noverify"])
            #expect((text.standardOutput + text.standardError).contains("malformedrequest"))
            #expect(try await DatabaseSnapshot.take(hub.store) == before)
        }
    }

    /// `hearth ca issue` with a CSR that is not one: a non-zero exit, a reason on stderr, no PEM
    /// on stdout, and the inventory (and every table) as it was.
    @Test func theCLIRefusesAGarbageCSRAndChangesNothing() async throws {
        let root = try TemporaryFolder.make(prefix: "pki-cli-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let initialized = try await PKITools.hearth(["init", "--data", data.path])
        try #require(initialized.status == 0, "\(initialized.standardError)")
        func list() async throws -> String {
            let result = try await PKITools.hearth(["ca", "list", "--data", data.path, "--json"])
            try #require(result.status == 0, "\(result.standardError)")
            return result.standardOutput
        }
        func snapshot() async throws -> DatabaseSnapshot {
            try await PKITools.withDataFolder(data) { store, _ in try await DatabaseSnapshot.take(store) }
        }
        let listed = try await list()
        #expect(listed.contains(#""profile":"server""#), "the hub's own certificate is listed")
        let before = try await snapshot()

        let garbage = try PKITools.write("hello, hub\n", root, "garbage.csr")
        let csr = try await PKITools.newDevice(root, "device").csr
        let cases: [(name: String, arguments: [String], message: String)] = [
            ("garbage CSR", ["--csr", garbage, "--profile", "device"], "the CSR is not a PEM block"),
            ("missing CSR file", ["--csr", root.appendingPathComponent("nothing.csr").path, "--profile", "device"],
             "cannot read the CSR file"),
            ("unknown profile", ["--csr", csr, "--profile", "admin"], "the profile is device, gateway or server"),
            ("DNS on a device", ["--csr", csr, "--profile", "device", "--dns", "d.home.arpa"], "DNS"),
            // `=`: a random id may begin with "-", which would read as an option.
            ("unknown device", ["--csr", csr, "--profile", "device", "--device=\(DeviceID().rawValue)"], "no device"),
        ]
        for item in cases {
            let result = try await PKITools.hearth(["ca", "issue", "--data", data.path] + item.arguments)
            #expect(result.status != 0, "\(item.name): exit 0")
            #expect(result.standardError.contains(item.message), "\(item.name): \(result.standardError)")
            #expect(!result.standardOutput.contains("BEGIN CERTIFICATE"), "\(item.name): printed a certificate")
        }
        #expect(try await list() == listed)
        let after = try await snapshot()
        #expect(after == before, "changed \(Self.changedTables(before, after))")

        // The same CSR file is fine when it is one: the refusals above were about the input.
        let good = try await PKITools.hearth(["ca", "issue", "--data", data.path, "--csr", csr, "--profile", "device"])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(try await list() != listed)
    }
}
