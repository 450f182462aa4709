import Foundation
import HearthCore
import HearthPKI
import HearthTesting
import Testing

/// CSRs made by the system `openssl`, as a gateway or a test rig would make them.
@Suite struct CertificateRequestTests {
    /// Runs `openssl req` in a fresh folder; returns the CSR in PEM.
    static func openssl(_ keyArguments: [String], extra: [String] = []) async throws -> String {
        let folder = try TemporaryFolder.make(prefix: "csr")
        defer { try? FileManager.default.removeItem(at: folder) }
        let csr = folder.appendingPathComponent("req.pem").path
        let result = try await ProcessRunner.run(
            "/usr/bin/openssl",
            ["req", "-new", "-nodes", "-keyout", folder.appendingPathComponent("key.pem").path, "-subj", "/CN=device",
             "-out", csr] + keyArguments + extra)
        try #require(result.status == 0, "openssl req failed: \(result.standardError)")
        return try String(contentsOfFile: csr, encoding: .utf8)
    }

    static let p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]

    @Test(arguments: [
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], CertificateRequest.KeyAlgorithm.p256),
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], .p384),
        (["-newkey", "ed25519"], .ed25519),
    ])
    func acceptedKeysParseAndVerify(keyArguments: [String], algorithm: CertificateRequest.KeyAlgorithm) async throws {
        let pem = try await Self.openssl(keyArguments)
        let request = try CertificateRequest(pem: pem)
        #expect(request.keyAlgorithm == algorithm)
        #expect(request.keyFingerprint.count == 64)
        #expect(request.requestedExtensions.isEmpty)
        // The same CSR read twice names the same key; a new key names another.
        #expect(try CertificateRequest(pem: pem).keyFingerprint == request.keyFingerprint)
        #expect(try CertificateRequest(pem: try await Self.openssl(keyArguments)).keyFingerprint != request.keyFingerprint)
    }

    @Test func whatACSRAsksForIsReportedNotTrusted() async throws {
        let pem = try await Self.openssl(Self.p256, extra: [
            "-addext", "subjectAltName=URI:spiffe://elsewhere/household/x/device/y,DNS:evil.example",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ])
        let request = try CertificateRequest(pem: pem)
        #expect(Set(request.requestedExtensions) == ["2.5.29.17", "2.5.29.19"])
    }

    @Test func rsaIsRefusedWhateverItsSize() async throws {
        let pem = try await Self.openssl(["-newkey", "rsa:3072"])
        #expect(throws: HearthError.self) { try CertificateRequest(pem: pem) }
        do {
            _ = try CertificateRequest(pem: pem)
        } catch let error as HearthError {
            #expect(error.code == .invalidInput)
            #expect(error.reason.contains("RSA is not accepted"))
        }
    }

    /// swift-certificates cannot read these keys at all; the requester must still hear that the
    /// key type is refused (issue 18, item 4), not that a well-formed request is malformed.
    @Test(arguments: [
        (["-newkey", "rsa:1024"], "RSA-1024"),
        (["-newkey", "rsa:2048"], "RSA-2048"),
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-192"], "P-192"),
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp224r1"], "P-224"),
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"], "secp256k1"),
        (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"], "P-521"),
        (["-newkey", "ed448"], "Ed448"),
    ])
    func refusedKeyTypesAreNamed(keyArguments: [String], keyType: String) async throws {
        let pem = try await Self.openssl(keyArguments)
        do {
            _ = try CertificateRequest(pem: pem)
            Issue.record("\(keyType): accepted")
        } catch let error as HearthError {
            #expect(error.code == .invalidInput)
            #expect(error.reason.contains("key type (\(keyType)) is not accepted"), "\(error.reason)")
            #expect(!error.reason.contains("well-formed"), "\(error.reason)")
        }
    }

    @Test func aWeakSignatureHashIsRefused() async throws {
        let pem = try await Self.openssl(Self.p256, extra: ["-sha1"])
        #expect(throws: HearthError.self) { try CertificateRequest(pem: pem) }
    }

    @Test func brokenInputIsRefusedWithAReason() async throws {
        let pem = try await Self.openssl(Self.p256)
        let der = try #require(Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()))
        // The signature is the last bytes of the DER: flip one and the request no longer verifies.
        var wrongSignature = Array(der)
        wrongSignature[wrongSignature.count - 5] ^= 0x01
        // A byte of the subject changed after signing.
        var alteredSubject = Array(der)
        let cn = try #require(alteredSubject.firstRange(of: Array("device".utf8)))
        alteredSubject[cn.lowerBound] = UInt8(ascii: "D")

        let cases: [(String, () throws -> CertificateRequest)] = [
            ("empty", { try CertificateRequest(pem: "") }),
            ("garbage", { try CertificateRequest(pem: "hello, hub") }),
            ("garbage DER", { try CertificateRequest(der: Array("not der at all".utf8)) }),
            ("truncated", { try CertificateRequest(der: Array(der.prefix(der.count / 2))) }),
            ("oversized", { try CertificateRequest(der: Array(der) + [UInt8](repeating: 0, count: CertificateRequest.maximumBytes)) }),
            ("a certificate instead", {
                try CertificateRequest(pem: pem.replacingOccurrences(of: "CERTIFICATE REQUEST", with: "CERTIFICATE"))
            }),
            ("wrong signature", { try CertificateRequest(der: wrongSignature) }),
            ("altered subject", { try CertificateRequest(der: alteredSubject) }),
        ]
        for (name, parse) in cases {
            do {
                _ = try parse()
                Issue.record("\(name): accepted")
            } catch let error as HearthError {
                #expect(error.code == .invalidInput, "\(name)")
                #expect(!error.reason.isEmpty, "\(name)")
            } catch {
                Issue.record("\(name): \(error) is not a typed refusal")
            }
        }
    }
}
