import Foundation
import HearthCore
import HearthPKI
import HearthTesting
import Testing
import X509

/// CRLs signed by an issuing CA, read and enforced by `openssl crl` and `openssl verify -crl_check`.
@Suite struct CRLTests {
    @Test func opensslReadsTheCRLAndRejectsOnlyTheRevokedCertificate() async throws {
        let now = Date()
        let ca = try CertificateIssuerTests.TestCA(now: now)
        func leaf() async throws -> Certificate {
            let request = try CertificateRequest(pem: try await CertificateRequestTests.openssl(CertificateRequestTests.p256))
            return try CertificateIssuer.issue(
                Issuance(request: request, profile: .device, commonName: "d",
                         subjectAlternativeNames: [.uniformResourceIdentifier(CertificateIssuerTests.spiffe)]),
                by: ca.authority, now: now)
        }
        let revoked = try await leaf()
        let good = try await leaf()
        let der = try CRLBuilder.build(
            authority: ca.authority,
            revoked: [
                RevokedCertificate(serial: Array(revoked.serialNumber.bytes), revokedAt: now, reason: .keyCompromise),
                RevokedCertificate(serial: [0x01, 0x02], revokedAt: now.addingTimeInterval(-60), reason: .unspecified),
            ],
            number: 7, thisUpdate: now, nextUpdate: now.addingTimeInterval(12 * 3600))

        let folder = try TemporaryFolder.make(prefix: "crl")
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try CertificateIssuerTests.pem(ca.root).write(toFile: path("root.pem"), atomically: true, encoding: .utf8)
        try CertificateIssuerTests.pem(ca.authority.certificate).write(toFile: path("inter.pem"), atomically: true, encoding: .utf8)
        try CertificateIssuerTests.pem(revoked).write(toFile: path("revoked.pem"), atomically: true, encoding: .utf8)
        try CertificateIssuerTests.pem(good).write(toFile: path("good.pem"), atomically: true, encoding: .utf8)
        try CRLBuilder.pem(der).write(toFile: path("crl.pem"), atomically: true, encoding: .utf8)
        try Data(der).write(to: URL(fileURLWithPath: path("crl.der")))

        // The DER form parses and its signature verifies against the issuing CA.
        let text = try await ProcessRunner.run(
            "/usr/bin/openssl", ["crl", "-inform", "DER", "-in", path("crl.der"), "-noout", "-text", "-CAfile", path("inter.pem")])
        #expect(text.standardError.contains("verify OK"), "\(text.standardError)")
        for expected in ["Version 2", "Key Compromise", "X509v3 CRL Number", "7", "Next Update", "Serial Number: 0102",
                         "X509v3 Authority Key Identifier"] {
            #expect(text.standardOutput.contains(expected), "missing \(expected)")
        }
        #expect(!text.standardOutput.contains("Unspecified"), "an unspecified reason is left out")

        func verify(_ certificate: String) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run("/usr/bin/openssl", [
                "verify", "-crl_check", "-CAfile", path("root.pem"), "-untrusted", path("inter.pem"),
                "-CRLfile", path("crl.pem"), path(certificate),
            ])
        }
        let rejected = try await verify("revoked.pem")
        #expect(rejected.status != 0)
        #expect((rejected.standardOutput + rejected.standardError).contains("certificate revoked"))
        let accepted = try await verify("good.pem")
        #expect(accepted.status == 0, "\(accepted.standardError)")
    }

    @Test func anEmptyCRLIsValidToo() async throws {
        let now = Date()
        let ca = try CertificateIssuerTests.TestCA(now: now)
        let der = try CRLBuilder.build(
            authority: ca.authority, revoked: [], number: 1, thisUpdate: now, nextUpdate: now.addingTimeInterval(3600))
        let folder = try TemporaryFolder.make(prefix: "crl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let crl = folder.appendingPathComponent("crl.pem").path
        let inter = folder.appendingPathComponent("inter.pem").path
        try CRLBuilder.pem(der).write(toFile: crl, atomically: true, encoding: .utf8)
        try CertificateIssuerTests.pem(ca.authority.certificate).write(toFile: inter, atomically: true, encoding: .utf8)
        let text = try await ProcessRunner.run("/usr/bin/openssl", ["crl", "-in", crl, "-noout", "-text", "-CAfile", inter])
        #expect(text.standardError.contains("verify OK"), "\(text.standardError)")
        #expect(text.standardOutput.contains("No Revoked Certificates"))
    }
}
