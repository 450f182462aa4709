import Crypto
import Foundation
import HearthCore
import HearthFirmware
import HearthTesting
import Testing

/// Keys and signatures as TUF writes them: Ed25519 raw in hex, ECDSA P-256 as PEM with DER
/// signatures; key ids the SHA-256 of the key's canonical form; thresholds counted per key.
@Suite struct KeyAndSignatureTests {
    @Test(arguments: TUFKey.Algorithm.allCases)
    func aSignatureVerifiesOverItsMessageOnly(algorithm: TUFKey.Algorithm) throws {
        let key = TUFSigningKey.generate(algorithm)
        let message = Array("signed".utf8)
        let signature = try key.sign(message)
        #expect(key.publicKey.verifies(signature, over: message))
        #expect(!key.publicKey.verifies(signature, over: Array("signeD".utf8)))
        #expect(!TUFSigningKey.generate(algorithm).publicKey.verifies(signature, over: message))
        #expect(!key.publicKey.verifies("zz" + signature.dropFirst(2), over: message))
        // Its id is the digest of its canonical form, and it survives the trip through JSON and PEM.
        #expect(key.publicKey.id == SHA256.hash(data: key.publicKey.json.canonical).hexString)
        #expect(try TUFKey(json: key.publicKey.json) == key.publicKey)
        #expect(try TUFSigningKey(pem: key.pem).publicKey == key.publicKey)
        #expect(try MakerKeys.publicKey(pem: MakerKeys.pem(key.publicKey)) == key.publicKey)
    }

    /// A maker may make its key with openssl: the private and public PEM files read as the same key.
    @Test(.requires(.command("openssl")), arguments: [["-algorithm", "ed25519"], ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]])
    func keysMadeByOpensslAreRead(options: [String]) async throws {
        let folder = try TemporaryFolder.make(prefix: "maker-key")
        defer { try? FileManager.default.removeItem(at: folder) }
        let privatePath = folder.appendingPathComponent("maker.key").path, publicPath = folder.appendingPathComponent("maker.pub").path
        let made = try await ProcessRunner.run("/usr/bin/openssl", ["genpkey"] + options + ["-out", privatePath])
        try #require(made.status == 0, "\(made.standardError)")
        let exported = try await ProcessRunner.run("/usr/bin/openssl", ["pkey", "-in", privatePath, "-pubout", "-out", publicPath])
        try #require(exported.status == 0, "\(exported.standardError)")
        let key = try TUFSigningKey(pem: try String(contentsOfFile: privatePath, encoding: .utf8))
        #expect(try MakerKeys.publicKey(pem: try String(contentsOfFile: publicPath, encoding: .utf8)) == key.publicKey)
    }

    @Test func aThresholdCountsDistinctKeysOfTheRoleWithValidSignatures() throws {
        let a = TUFSigningKey.generate(), b = TUFSigningKey.generate(.ecdsaP256), stranger = TUFSigningKey.generate()
        let keys = Dictionary(uniqueKeysWithValues: [a, b].map { ($0.publicKey.id, $0.publicKey) })
        let role = RoleKeys(keyIDs: [a.publicKey.id, b.publicKey.id], threshold: 2)
        let signed = JSONValue.object(["_type": .string("targets"), "version": .integer(1)])
        let both = try SignedMetadata(signing: signed, with: [a, b])
        try both.verify("targets", role, keys: keys)
        let one = try SignedMetadata(signing: signed, with: [a, stranger])
        #expect(one.validSignatures(role, keys: keys) == 1)
        #expect(throws: TUFError.unsigned(role: "targets", valid: 1, threshold: 2)) { try one.verify("targets", role, keys: keys) }
        // The signed part changed after signing: no signature holds.
        let altered = try SignedMetadata(parsing: Array(String(decoding: both.bytes, as: UTF8.self)
            .replacingOccurrences(of: "\"version\":1", with: "\"version\":2").utf8))
        #expect(altered.validSignatures(role, keys: keys) == 0)
        // Two signatures by one key are refused outright.
        let text = #"{"signed": {}, "signatures": [{"keyid": "k", "sig": "00"}, {"keyid": "k", "sig": "01"}]}"#
        #expect(throws: TUFError.self) { try SignedMetadata(parsing: Array(text.utf8)) }
    }
}
