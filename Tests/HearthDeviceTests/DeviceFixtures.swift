import Crypto
import Foundation
import HearthCore
import HearthDevice
import HearthTPM
import HearthTesting
import Synchronization
import Testing
import X509

/// Devices for tests: enrolled through the owner API (the pairing endpoints are tested apart) and
/// written into a state folder the way pairing leaves it.
enum DeviceFixtures {
    static let openssl = "/usr/bin/openssl"

    /// Signs in as the owner.
    static func token(_ hub: TestHub) async throws -> String {
        let response = try await hub.client.json("POST", "/v1/session", ["email": hub.ownerEmail, "password": hub.ownerPassword])
        try #require(response.status == 201, "sign-in: \(response.status) \(response.text)")
        return try #require(try response.json()["token"] as? String)
    }

    /// `POST /v1/pki/certificates` for `csr` as a new identity named `name`: (device id, chain PEM).
    static func issue(
        _ hub: TestHub, csr: DeviceCSR, name: String, profile: String = "device", fields: [String: Any] = [:]
    ) async throws -> (device: String, chainPEM: String) {
        let request = (["csr": csr.pem, "profile": profile, "name": name] as [String: Any]).merging(fields) { $1 }
        let response = try await hub.client.json(
            "POST", "/v1/pki/certificates", request, headers: ["Authorization": "Bearer \(try await token(hub))"])
        try #require(response.status == 201, "issue: \(response.status) \(response.text)")
        let body = try response.json()
        let certificate = try #require(body["certificate"] as? [String: Any])
        return (try #require(certificate["device"] as? String), try #require(body["chain_pem"] as? String))
    }

    /// Counts the waits a device asked for (retries, polls) without waiting.
    final class Sleeps: Sendable {
        private let waits = Mutex<[Duration]>([])
        var recorded: [Duration] { waits.withLock { $0 } }
        var sleep: @Sendable (Duration) async throws -> Void { { duration in self.waits.withLock { $0.append(duration) } } }
    }

    /// A device of `hub` with its state in a new temporary folder.
    static func enroll(
        _ hub: TestHub, name: String, sleeps: Sleeps = Sleeps(), tpm: SoftwareTPM? = nil
    ) async throws -> (device: VirtualDevice, id: String) {
        let folder = try TemporaryFolder.make(prefix: "device-\(name)")
        let keys = try tpm.map { TPMKeyStore(folder: folder, tpm: TPM(try TPMAddress(parsing: $0.address))) }
        let device = VirtualDevice(stateFolder: folder, keys: keys, backoff: Backoff(maximumAttempts: 3), sleep: sleeps.sleep)
        try device.folder.prepare()
        let key = try device.keys.makePendingKey()
        let (id, chainPEM) = try await issue(hub, csr: try CSRMaker.make(for: key), name: name)
        let chain = try CertificateChain(pem: chainPEM)
        try device.folder.store(root: try CertificateChain(pem: String(contentsOfFile: hub.certificatePath, encoding: .utf8)))
        try device.folder.store(chain: chain)
        let leaf = chain.leaf
        try device.folder.store(DeviceRecord(
            deviceID: id, hub: try #require(URL(string: "https://127.0.0.1:\(hub.port)")), notAfter: leaf.notValidAfter,
            renewAfter: DeviceCertificateInfo.renewalTime(of: leaf)))
        try device.keys.promotePendingKey()
        return (device, id)
    }

    /// The bytes of the files pairing and renewal write, by name (nil when absent).
    static func files(_ folder: URL) -> [String: Data?] {
        let names = [
            DeviceStateFolder.chainName, DeviceStateFolder.rootName, DeviceStateFolder.recordName, FileKeyStore.currentName,
            TPMKeyStore.currentName,
        ]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, try? Data(contentsOf: folder.appendingPathComponent($0))) })
    }

    /// A self-signed CA certificate for `key` that no hub knows.
    static func strangerRoot(_ key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws -> Certificate {
        let name = try DistinguishedName { CommonName("Not the hub") }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: .init(key))
    }

    /// The PEM blocks of openssl's output, in order.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("-----BEGIN ") { current = [] }
            current?.append(line)
            if line.hasPrefix("-----END "), let lines = current {
                blocks.append(lines.joined(separator: "\n") + "\n")
                current = nil
            }
        }
        return blocks
    }
}
