import Crypto
import Foundation
import HearthCore
import HearthPKI
import HearthTesting
import SwiftASN1
import Testing
import X509

/// Certificates issued from openssl-made CSRs, checked by `openssl verify` and `openssl x509`.
@Suite struct CertificateIssuerTests {
    /// A root (P-384) and an issuing intermediate (path length 0) made in code for the test.
    struct TestCA {
        let root: Certificate
        let authority: IssuingAuthority

        init(now: Date) throws {
            let rootKey = P384.Signing.PrivateKey()
            let rootName = try DistinguishedName { CommonName("Test root") }
            root = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
                issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(rootKey.publicKey))
                },
                issuerPrivateKey: .init(rootKey))
            let key = P256.Signing.PrivateKey()
            let name = try DistinguishedName { CommonName("Test zone CA") }
            let intermediate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(20 * 86_400),
                issuer: rootName, subject: name, signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
                    AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: Certificate.PublicKey(rootKey.publicKey)).keyIdentifier)
                },
                issuerPrivateKey: .init(rootKey))
            authority = IssuingAuthority(
                certificate: intermediate, privateKey: .init(key), crlURL: "https://127.0.0.1:8443/v1/pki/crl/default.crl",
                ocspURL: "https://127.0.0.1:8443/v1/pki/ocsp")
        }
    }

    static func pem(_ certificate: Certificate) throws -> String { try certificate.serializeAsPEM().pemString + "\n" }

    /// Writes root, intermediate and leaf; runs openssl with `arguments` (paths substituted).
    static func openssl(_ ca: TestCA, _ leaf: Certificate, _ arguments: (String, String, String) -> [String]) async throws
        -> ProcessRunner.Result
    {
        let folder = try TemporaryFolder.make(prefix: "issue")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = ["root.pem", "inter.pem", "leaf.pem"].map { folder.appendingPathComponent($0).path }
        try pem(ca.root).write(toFile: paths[0], atomically: true, encoding: .utf8)
        try pem(ca.authority.certificate).write(toFile: paths[1], atomically: true, encoding: .utf8)
        try pem(leaf).write(toFile: paths[2], atomically: true, encoding: .utf8)
        return try await ProcessRunner.run("/usr/bin/openssl", arguments(paths[0], paths[1], paths[2]))
    }

    static let spiffe = "spiffe://0123abcd.home.arpa/household/H1/device/D1"

    @Test func aDeviceCertificateVerifiesWithOpensslAndCarriesOnlyWhatTheHubChose() async throws {
        let now = Date()
        let ca = try TestCA(now: now)
        let csr = try await CertificateRequestTests.openssl(CertificateRequestTests.p256, extra: [
            "-subj", "/CN=Jane Doe/emailAddress=jane@example.org",
            "-addext", "subjectAltName=URI:spiffe://elsewhere/evil,DNS:evil.example",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ])
        let request = try CertificateRequest(pem: csr)
        let leaf = try CertificateIssuer.issue(
            Issuance(request: request, profile: .device, commonName: "D1",
                     subjectAlternativeNames: [.uniformResourceIdentifier(Self.spiffe)]),
            by: ca.authority, now: now)

        let verify = try await Self.openssl(ca, leaf) { root, inter, leaf in
            ["verify", "-CAfile", root, "-untrusted", inter, "-purpose", "sslclient", leaf]
        }
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.contains(": OK"))

        let text = try await Self.openssl(ca, leaf) { _, _, leaf in ["x509", "-in", leaf, "-noout", "-text"] }.standardOutput
        for expected in [
            "URI:\(Self.spiffe)", "CA:FALSE", "Digital Signature", "TLS Web Client Authentication",
            "OCSP - URI:https://127.0.0.1:8443/v1/pki/ocsp", "URI:https://127.0.0.1:8443/v1/pki/crl/default.crl",
            "X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier", "Subject: O = Hearth, CN = D1",
        ] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // Nothing the CSR asked for: no personal data, no extra names, no CA rights.
        for unwanted in ["Jane", "jane@", "evil", "CA:TRUE", "TLS Web Server Authentication"] {
            #expect(!text.contains(unwanted), "the certificate carries \(unwanted)")
        }
        #expect(leaf.notValidBefore <= now.addingTimeInterval(-CertificateIssuer.backdating + 1))
        #expect(abs(leaf.notValidAfter.timeIntervalSince(now) - 86_400) < 2)
        // A positive serial: 0x01 and 128 random bits, 17 octets (RFC 5280 allows 20).
        let serial = Array(leaf.serialNumber.bytes)
        #expect(serial.count == 17)
        #expect(serial[0] == 0x01)
    }

    @Test func lifetimesFollowTheProfileAndTheIssuer() async throws {
        let now = Date()
        let ca = try TestCA(now: now)
        let request = try CertificateRequest(pem: try await CertificateRequestTests.openssl(["-newkey", "ed25519"]))
        func issue(_ profile: CertificateProfile, _ lifetime: Duration?) throws -> Certificate {
            try CertificateIssuer.issue(
                Issuance(request: request, profile: profile, commonName: "x",
                         subjectAlternativeNames: [.dnsName("bridge.home.arpa")], lifetime: lifetime),
                by: ca.authority, now: now)
        }
        #expect(throws: HearthError.self) { try issue(.device, .seconds(31 * 86_400)) }
        #expect(throws: HearthError.self) { try issue(.device, .seconds(0)) }
        // Never past the issuer's own end (the test intermediate lives 20 days).
        let server = try issue(.server, .seconds(60 * 86_400))
        #expect(server.notValidAfter == ca.authority.certificate.notValidAfter)
        let text = try await Self.openssl(ca, server) { _, _, leaf in ["x509", "-in", leaf, "-noout", "-text"] }.standardOutput
        #expect(text.contains("TLS Web Server Authentication") && !text.contains("TLS Web Client Authentication"))
        #expect(text.contains("ED25519"))
        let verify = try await Self.openssl(ca, server) { root, inter, leaf in
            ["verify", "-CAfile", root, "-untrusted", inter, "-purpose", "sslserver", leaf]
        }
        #expect(verify.status == 0, "\(verify.standardError)")
        // Two certificates never share a serial.
        #expect(try issue(.gateway, nil).serialNumber != (try issue(.gateway, nil)).serialNumber)
    }
}
