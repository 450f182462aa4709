import Foundation
import HearthCore
import HearthPKI
import HearthTesting
import Testing
import X509

/// Requests made by `openssl ocsp`, answered by the responder, and read back by `openssl ocsp`.
@Suite struct OCSPResponderTests {
    struct Fixture {
        let folder: URL
        let ca: CertificateIssuerTests.TestCA
        let leaf: Certificate

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        static func make(now: Date) async throws -> Fixture {
            let folder = try TemporaryFolder.make(prefix: "ocsp")
            let ca = try CertificateIssuerTests.TestCA(now: now)
            let request = try CertificateRequest(pem: try await CertificateRequestTests.openssl(CertificateRequestTests.p256))
            let leaf = try CertificateIssuer.issue(
                Issuance(request: request, profile: .device, commonName: "d",
                         subjectAlternativeNames: [.uniformResourceIdentifier(CertificateIssuerTests.spiffe)]),
                by: ca.authority, now: now)
            let fixture = Fixture(folder: folder, ca: ca, leaf: leaf)
            try CertificateIssuerTests.pem(ca.root).write(toFile: fixture.path("root.pem"), atomically: true, encoding: .utf8)
            try CertificateIssuerTests.pem(ca.authority.certificate)
                .write(toFile: fixture.path("inter.pem"), atomically: true, encoding: .utf8)
            try CertificateIssuerTests.pem(leaf).write(toFile: fixture.path("leaf.pem"), atomically: true, encoding: .utf8)
            return fixture
        }

        func openssl(_ arguments: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run("/usr/bin/openssl", ["ocsp"] + arguments)
        }

        /// Asks openssl for a request, answers it with `status`, and has openssl check the answer.
        func roundTrip(_ status: CertificateStatus, requestOptions: [String] = [], now: Date) async throws -> String {
            // Options such as the CertID digest must come before -cert.
            let made = try await openssl(
                requestOptions + ["-issuer", path("inter.pem"), "-cert", path("leaf.pem"), "-reqout", path("req.der")])
            try #require(made.status == 0, "\(made.standardError)")
            let request = Array(try Data(contentsOf: URL(fileURLWithPath: path("req.der"))))
            let responder = OCSPResponder(authority: ca.authority)
            let response = try responder.respond(to: request, now: now) { serial in
                serial == Array(leaf.serialNumber.bytes) ? status : .unknown
            }
            try Data(response).write(to: URL(fileURLWithPath: path("resp.der")))
            // No -cert here: with it openssl builds a fresh request (and nonce) instead of reading -reqin.
            let checked = try await openssl([
                "-reqin", path("req.der"), "-respin", path("resp.der"), "-CAfile", path("root.pem"), "-resp_text",
            ])
            return checked.standardOutput + checked.standardError
        }
    }

    @Test(arguments: [[], ["-sha256"], ["-no_nonce"]])
    func goodAndRevokedAnswersVerifyInOpenssl(requestOptions: [String]) async throws {
        let now = Date()
        let fixture = try await Fixture.make(now: now)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }

        let good = try await fixture.roundTrip(.good, requestOptions: requestOptions, now: now)
        #expect(good.contains("Response verify OK"), "\(good)")
        #expect(good.contains("Cert Status: good"), "\(good)")
        #expect(!good.contains("Nonce Verify error"), "\(good)")
        if requestOptions.contains("-no_nonce") {
            #expect(!good.contains("OCSP Nonce"))
        } else {
            // The nonce came back unchanged (openssl warns when it is missing, fails when it differs).
            #expect(good.contains("OCSP Nonce") && !good.contains("WARNING"), "\(good)")
        }
        if requestOptions.contains("-sha256") { #expect(good.contains("Hash Algorithm: sha256")) }

        let revoked = try await fixture.roundTrip(.revoked(at: now, reason: .keyCompromise), requestOptions: requestOptions, now: now)
        #expect(revoked.contains("Response verify OK"), "\(revoked)")
        #expect(revoked.contains("Cert Status: revoked"), "\(revoked)")
        #expect(revoked.contains("Revocation Reason: keyCompromise"), "\(revoked)")

        let unknown = try await fixture.roundTrip(.unknown, requestOptions: requestOptions, now: now)
        #expect(unknown.contains("Cert Status: unknown"), "\(unknown)")
    }

    @Test func aCertificateOfAnotherIssuerIsUnknown() async throws {
        let now = Date()
        let fixture = try await Fixture.make(now: now)
        defer { try? FileManager.default.removeItem(at: fixture.folder) }
        let made = try await fixture.openssl(
            ["-issuer", fixture.path("inter.pem"), "-cert", fixture.path("leaf.pem"), "-reqout", fixture.path("req.der")])
        try #require(made.status == 0)
        let request = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.path("req.der"))))
        // Another CA answering: the CertID's issuer hashes are not its own, so it never says good.
        let other = try CertificateIssuerTests.TestCA(now: now)
        let response = try OCSPResponder(authority: other.authority).respond(to: request, now: now) { _ in .good }
        try Data(response).write(to: URL(fileURLWithPath: fixture.path("resp.der")))
        let text = try await fixture.openssl(["-respin", fixture.path("resp.der"), "-resp_text", "-noverify"])
        #expect(text.standardOutput.contains("Cert Status: unknown"), "\(text.standardOutput)")
        #expect(!text.standardOutput.contains("Cert Status: good"))
    }

    @Test func garbageGetsMalformedRequest() async throws {
        let folder = try TemporaryFolder.make(prefix: "ocsp")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = try CertificateIssuerTests.TestCA(now: Date())
        let responder = OCSPResponder(authority: ca.authority)
        for garbage in [[], Array("GET / HTTP/1.1".utf8), [0x30, 0x03, 0x02, 0x01], [UInt8](repeating: 0x30, count: 5000)] {
            let response = try responder.respond(to: garbage, now: Date()) { _ in .good }
            #expect(response == OCSPResponder.malformedRequest)
        }
        let path = folder.appendingPathComponent("resp.der").path
        try Data(OCSPResponder.malformedRequest).write(to: URL(fileURLWithPath: path))
        let text = try await ProcessRunner.run("/usr/bin/openssl", ["ocsp", "-respin", path, "-resp_text"])
        #expect(text.standardOutput.lowercased().contains("malformedrequest"), "\(text.standardOutput)\(text.standardError)")
    }
}
