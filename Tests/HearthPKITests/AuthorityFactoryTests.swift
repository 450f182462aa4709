import Crypto
import Foundation
import HearthCore
import HearthKeys
import HearthPKI
import HearthTesting
import SwiftASN1
import Testing
import X509

/// A root and a name-constrained intermediate, checked by openssl — including a certificate
/// signed by hand outside the constraints, which openssl must reject.
@Suite struct AuthorityFactoryTests {
    static let host = "h1.0123abcd.home.arpa"

    @Test func opensslEnforcesTheIntermediatesURIConstraint() async throws {
        let now = Date()
        let root = try AuthorityFactory.makeRoot(commonName: "Hearth root test", now: now, lifetime: 10 * 365 * 86_400)
        let zone = try AuthorityFactory.makeIntermediate(
            commonName: "Hearth default zone", permittedURIHosts: [Self.host], hostNames: .forHub(hostnames: []),
            root: root.certificate, rootKey: root.key, now: now, lifetime: 365 * 86_400)
        let authority = IssuingAuthority(
            certificate: zone.certificate, privateKey: try .init(zone.key), crlURL: "https://hub/crl", ocspURL: "https://hub/ocsp")
        let request = try CertificateRequest(pem: try await CertificateRequestTests.openssl(CertificateRequestTests.p256))
        func issuance(_ uri: String) -> Issuance {
            Issuance(request: request, profile: .device, commonName: "d", subjectAlternativeNames: [.uniformResourceIdentifier(uri)])
        }
        let inside = try CertificateIssuer.issue(issuance("spiffe://\(Self.host)/device/d1"), by: authority, now: now)
        // The issuer refuses a name its own constraints exclude …
        #expect(throws: HearthError.self) {
            try CertificateIssuer.issue(issuance("spiffe://h2.0123abcd.home.arpa/device/d1"), by: authority, now: now)
        }
        // … and a certificate signed by hand with the zone key anyway is rejected by openssl.
        let outside = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: request.publicKey,
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600),
            issuer: zone.certificate.subject, subject: try DistinguishedName { CommonName("d") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://h2.0123abcd.home.arpa/device/d1")])
            },
            issuerPrivateKey: .init(zone.key))

        let folder = try TemporaryFolder.make(prefix: "authority")
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ certificate: Certificate, _ name: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try CertificateIssuerTests.pem(certificate).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let rootPath = try write(root.certificate, "root.pem")
        let zonePath = try write(zone.certificate, "zone.pem")
        func verify(_ path: String) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run("/usr/bin/openssl", ["verify", "-CAfile", rootPath, "-untrusted", zonePath, path])
        }
        let accepted = try await verify(try write(inside, "inside.pem"))
        #expect(accepted.status == 0, "\(accepted.standardOutput)\(accepted.standardError)")
        let rejected = try await verify(try write(outside, "outside.pem"))
        #expect(rejected.status != 0)
        #expect((rejected.standardOutput + rejected.standardError).contains("permitted subtree violation"))

        let text = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", zonePath, "-noout", "-text"]).standardOutput
        for expected in ["CA:TRUE, pathlen:0", "Certificate Sign, CRL Sign", "X509v3 Name Constraints: critical",
                         "URI:\(Self.host)", "ecdsa-with-SHA384", "Subject: O = Hearth, CN = Hearth default zone"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        let rootText = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", rootPath, "-noout", "-text"]).standardOutput
        #expect(rootText.contains("NIST CURVE: P-384") && rootText.contains("CA:TRUE, pathlen:1"))
    }

    /// Issue 18.2: the zone CAs vouch only for the hub's host names, local names and private
    /// addresses. The issuer refuses anything else with the reason; a certificate signed by hand
    /// with a zone key for a public DNS name fails `openssl verify` (addresses are refused at
    /// issuance only: see HostNameConstraints for why they are not in the CA certificate).
    @Test func opensslEnforcesTheIntermediatesHostNameConstraints() async throws {
        let now = Date()
        let root = try AuthorityFactory.makeRoot(commonName: "Hearth root test", now: now, lifetime: 10 * 365 * 86_400)
        let zone = try AuthorityFactory.makeIntermediate(
            commonName: "Hearth default zone", permittedURIHosts: [Self.host],
            hostNames: .forHub(hostnames: ["hub.example.net"]), root: root.certificate, rootKey: root.key, now: now,
            lifetime: 365 * 86_400)
        let authority = IssuingAuthority(
            certificate: zone.certificate, privateKey: try .init(zone.key), crlURL: "https://hub/crl", ocspURL: "https://hub/ocsp")
        let request = try CertificateRequest(pem: try await CertificateRequestTests.openssl(CertificateRequestTests.p256))
        func issuance(_ names: [GeneralName]) -> Issuance {
            Issuance(request: request, profile: .server, commonName: "s", subjectAlternativeNames: names)
        }
        func ip(_ bytes: [UInt8]) -> GeneralName { .ipAddress(ASN1OctetString(contentBytes: bytes[...])) }
        let permitted: [GeneralName] = [
            .dnsName("localhost"), .dnsName("printer.home.arpa"), .dnsName("nas.local"), .dnsName("hub.example.net"),
            .dnsName("a.hub.example.net"), ip([127, 0, 0, 1]), ip([192, 168, 1, 10]), ip([10, 1, 2, 3]), ip([172, 20, 0, 1]),
            ip([UInt8](repeating: 0, count: 15) + [1]), ip([0xfd, 0x12] + [UInt8](repeating: 0, count: 13) + [1]),
        ]
        let inside = try CertificateIssuer.issue(issuance(permitted), by: authority, now: now)
        for refused: GeneralName in [
            .dnsName("www.example.com"), .dnsName("example.net"), .dnsName("evilhome.arpa"), ip([8, 8, 8, 8]),
            ip([172, 32, 0, 1]), ip([0x20, 0x01] + [UInt8](repeating: 0, count: 14)),
        ] {
            #expect(throws: HearthError.self, "\(refused)") {
                try CertificateIssuer.issue(issuance([.dnsName("printer.home.arpa"), refused]), by: authority, now: now)
            }
        }
        func handSigned(_ name: GeneralName) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: .init(), publicKey: request.publicKey,
                notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(3600),
                issuer: zone.certificate.subject, subject: try DistinguishedName { CommonName("s") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    SubjectAlternativeNames([name])
                },
                issuerPrivateKey: .init(zone.key))
        }

        let folder = try TemporaryFolder.make(prefix: "authority-hosts")
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ certificate: Certificate, _ name: String) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try CertificateIssuerTests.pem(certificate).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let rootPath = try write(root.certificate, "root.pem")
        let zonePath = try write(zone.certificate, "zone.pem")
        func verify(_ path: String) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run("/usr/bin/openssl", ["verify", "-CAfile", rootPath, "-untrusted", zonePath, path])
        }
        let accepted = try await verify(try write(inside, "inside.pem"))
        #expect(accepted.status == 0, "\(accepted.standardOutput)\(accepted.standardError)")
        let control = try await verify(try write(try handSigned(.dnsName("tv.home.arpa")), "control.pem"))
        #expect(control.status == 0, "\(control.standardOutput)\(control.standardError)")
        for (index, name) in [GeneralName.dnsName("www.example.com"), .dnsName("hub.example.net.evil.com")].enumerated() {
            let rejected = try await verify(try write(try handSigned(name), "outside-\(index).pem"))
            #expect(rejected.status != 0, "\(name)")
            #expect((rejected.standardOutput + rejected.standardError).contains("permitted subtree violation"), "\(name)")
        }
        let text = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-in", zonePath, "-noout", "-text"]).standardOutput
        for expected in ["DNS:home.arpa", "DNS:local", "DNS:localhost", "DNS:hub.example.net"] {
            #expect(text.contains(expected), "missing \(expected) in \(text)")
        }
        #expect(!text.contains("IP:"), "BoringSSL refuses chains whose CA constrains addresses")
    }
}
