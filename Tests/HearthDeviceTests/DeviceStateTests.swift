import Crypto
import Foundation
import HearthCore
import HearthDevice
import HearthTesting
import SwiftASN1
import Testing
import X509

/// The key store, the state folder and the CSR, without a hub.
@Suite struct DeviceStateTests {
    static func permissions(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test func keysAreOwnerOnlyAndPromotedByRename() throws {
        let parent = try TemporaryFolder.make(prefix: "keys")
        defer { try? FileManager.default.removeItem(at: parent) }
        let folder = parent.appendingPathComponent("state")
        let store = FileKeyStore(folder: folder)
        #expect(try store.currentKey() == nil)
        #expect(try store.pendingKey() == nil)

        let first = try store.makePendingKey()
        let pending = folder.appendingPathComponent(FileKeyStore.pendingName)
        let current = folder.appendingPathComponent(FileKeyStore.currentName)
        #expect(try Self.permissions(pending) == 0o600)
        #expect(try Self.permissions(folder) == 0o700)
        #expect(try String(contentsOf: pending, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try store.pendingKey()?.publicKey == first.publicKey)

        try store.promotePendingKey()
        #expect(try store.currentKey()?.publicKey == first.publicKey)
        #expect(try store.pendingKey() == nil)
        #expect(try Self.permissions(current) == 0o600)

        // A new pending key replaces nothing current until promoted; discarding it keeps the current one.
        let second = try store.makePendingKey()
        #expect(second.publicKey != first.publicKey)
        #expect(try store.currentKey()?.publicKey == first.publicKey)
        try store.discardPendingKey()
        #expect(try store.pendingKey() == nil)
        #expect(try store.currentKey()?.publicKey == first.publicKey)
        #expect(throws: HearthError.self) { try store.promotePendingKey() }
        // No temporary files are left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names == [FileKeyStore.currentName])
    }

    @Test func aCorruptKeyIsAClearError() throws {
        let folder = try TemporaryFolder.make(prefix: "keys")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("not a key".utf8).write(to: folder.appendingPathComponent(FileKeyStore.currentName))
        let error = try #require(throws: HearthError.self) { try FileKeyStore(folder: folder).currentKey() }
        #expect(error.code == .storageUnavailable)
    }

    @Test func theCSRIsOneOpenSSLAccepts() async throws {
        let folder = try TemporaryFolder.make(prefix: "csr")
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try FileKeyStore(folder: folder).makePendingKey()
        let csr = try CSRMaker.make(for: key)
        let path = folder.appendingPathComponent("device.csr").path
        try csr.pem.write(toFile: path, atomically: true, encoding: .utf8)

        let verified = try await ProcessRunner.run(DeviceFixtures.openssl, ["req", "-in", path, "-verify", "-noout"])
        #expect(verified.status == 0, "\(verified.standardError)")
        #expect((verified.standardOutput + verified.standardError).contains("verify OK"))
        let subject = try await ProcessRunner.run(
            DeviceFixtures.openssl, ["req", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"])
        #expect(subject.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "subject=CN=device")
        // The DER is the PEM's content, and the request is for the key.
        let parsed = try CertificateSigningRequest(pemEncoded: csr.pem)
        #expect(parsed.publicKey == key.publicKey)
        #expect(csr.hash == Array(SHA256.hash(data: csr.der)))
    }

    @Test func recordRoundTripsAsTheDocumentedJSON() throws {
        let folder = try TemporaryFolder.make(prefix: "record")
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = DeviceStateFolder(folder)
        #expect(try state.record() == nil)
        let record = DeviceRecord(
            deviceID: "dev_1", hub: try #require(URL(string: "https://127.0.0.1:8443")),
            notAfter: Date(timeIntervalSince1970: 1_900_000_000), renewAfter: Date(timeIntervalSince1970: 1_899_000_000))
        try state.store(record)
        #expect(try state.record() == record)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: state.recordURL)) as? [String: String])
        #expect(json == [
            "device_id": "dev_1", "hub": "https://127.0.0.1:8443", "not_after": "2030-03-17T17:46:40Z",
            "renew_after": "2030-03-06T04:00:00Z",
        ])
    }

    /// A crash between storing a renewed certificate and renaming its key leaves the certificate
    /// for the pending key; the next operation finishes the rotation.
    @Test func anInterruptedRotationIsFinished() async throws {
        let folder = try TemporaryFolder.make(prefix: "interrupted")
        defer { try? FileManager.default.removeItem(at: folder) }
        let device = VirtualDevice(stateFolder: folder)
        _ = try device.keys.makePendingKey()
        try device.keys.promotePendingKey()
        let newer = P256.Signing.PrivateKey()
        try newer.pemRepresentation.write(
            to: folder.appendingPathComponent(FileKeyStore.pendingName), atomically: true, encoding: .utf8)
        let certificate = try DeviceFixtures.strangerRoot(newer)
        let chain = try CertificateChain([certificate])
        try device.folder.store(chain: chain)
        try device.folder.store(root: chain)
        try device.folder.store(DeviceRecord(
            deviceID: "dev_1", hub: try #require(URL(string: "https://127.0.0.1:1")), notAfter: certificate.notValidAfter,
            renewAfter: certificate.notValidAfter))

        let outcome = try await device.renewIfDue()
        #expect(!outcome.renewed)
        #expect(try device.keys.currentKey()?.publicKey == Certificate.PublicKey(newer.publicKey))
        #expect(try device.keys.pendingKey() == nil)
    }

    @Test func aDeviceThatIsNotPairedSaysSo() async throws {
        let folder = try TemporaryFolder.make(prefix: "unpaired")
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try await #require(throws: HearthError.self) { try await VirtualDevice(stateFolder: folder).renew() }
        #expect(error.code == .notInitialized)
    }
}
