import Crypto
import Foundation
import HearthCore
import NIOSSL
import X509

/// A device private key in the two forms the SDK needs: one that signs certificate requests and
/// one that NIOSSL uses for mutual TLS. A secure element provides both without exporting the key
/// (`Certificate.PrivateKey` wraps a custom signer; `NIOSSLPrivateKey(customPrivateKey:)`).
public struct DeviceKey: Sendable {
    public let signingKey: Certificate.PrivateKey
    public let tlsKey: NIOSSLPrivateKey

    public init(signingKey: Certificate.PrivateKey, tlsKey: NIOSSLPrivateKey) {
        self.signingKey = signingKey
        self.tlsKey = tlsKey
    }

    /// A P-256 key held in memory.
    public init(_ key: P256.Signing.PrivateKey) throws {
        self.init(
            signingKey: Certificate.PrivateKey(key),
            tlsKey: try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem))
    }

    public var publicKey: Certificate.PublicKey { signingKey.publicKey }
}

/// Where a device keeps its keys: the current one (what its certificate certifies) and at most one
/// pending one (made for a certificate request that has not been answered yet).
///
/// The pending key is kept durably *before* its request is sent, so a crash or a lost answer
/// loses nothing: retrying with the same key makes the hub answer with the certificate it already
/// issued. It becomes current only after the certificate for it is stored.
public protocol DeviceKeyStore: Sendable {
    /// Makes a new pending key, replacing any earlier one.
    func makePendingKey() throws -> DeviceKey
    /// The pending key, if a request for it may still be unanswered.
    func pendingKey() throws -> DeviceKey?
    /// The key the stored certificate certifies; nil before pairing.
    func currentKey() throws -> DeviceKey?
    /// Makes the pending key current, atomically; the old current key is gone.
    func promotePendingKey() throws
    /// Forgets the pending key (the hub refused to certify it).
    func discardPendingKey() throws
    /// Forgets every key (a factory reset: the identity they proved is gone).
    func forgetAll() throws
}

/// A key store that keeps each key — or what names it — in a file of the device's state folder:
/// the current one and at most one pending, the pending made current by `rename`, so a crash leaves
/// one or the other, never half of each. A store says only how a key is made and read back.
public protocol KeyFileStore: DeviceKeyStore {
    var folder: URL { get }
    static var currentName: String { get }
    static var pendingName: String { get }
    /// A new key, and the bytes its file keeps.
    func newKey() throws -> (file: [UInt8], key: DeviceKey)
    /// The key a file's bytes hold or name.
    func key(fromFile bytes: Data, at url: URL) throws -> DeviceKey
}

extension KeyFileStore {
    var currentURL: URL { folder.appendingPathComponent(Self.currentName) }
    var pendingURL: URL { folder.appendingPathComponent(Self.pendingName) }

    public func makePendingKey() throws -> DeviceKey {
        try AtomicFile.makePrivateFolder(folder)
        let made = try newKey()
        try AtomicFile.write(made.file, to: pendingURL, mode: 0o600)
        return made.key
    }

    public func pendingKey() throws -> DeviceKey? { try load(pendingURL) }

    public func currentKey() throws -> DeviceKey? { try load(currentURL) }

    public func promotePendingKey() throws {
        guard FileManager.default.fileExists(atPath: pendingURL.path) else {
            throw HearthError(.notFound, "there is no pending key to promote in \(folder.path)")
        }
        try AtomicFile.move(pendingURL, over: currentURL)
    }

    public func forgetAll() throws {
        for url in [pendingURL, currentURL] where FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.removeItem(at: url)
        }
    }

    public func discardPendingKey() throws {
        guard FileManager.default.fileExists(atPath: pendingURL.path) else { return }
        try FileManager.default.removeItem(at: pendingURL)
    }

    private func load(_ url: URL) throws -> DeviceKey? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw HearthError(.storageUnavailable, "could not read the device key \(url.path)")
        }
        return try key(fromFile: bytes, at: url)
    }
}

/// Keys as PKCS#8 PEM files in the device's state folder, readable by the owner only:
/// `key.pem` (current) and `key.next.pem` (pending).
public struct FileKeyStore: KeyFileStore {
    public static let currentName = "key.pem"
    public static let pendingName = "key.next.pem"

    public let folder: URL

    public init(folder: URL) { self.folder = folder }

    public func newKey() throws -> (file: [UInt8], key: DeviceKey) {
        let key = P256.Signing.PrivateKey()
        return (Array(key.pemRepresentation.utf8), try DeviceKey(key))
    }

    public func key(fromFile bytes: Data, at url: URL) throws -> DeviceKey {
        do {
            return try DeviceKey(try P256.Signing.PrivateKey(pemRepresentation: String(decoding: bytes, as: UTF8.self)))
        } catch {
            throw HearthError(.storageUnavailable, "the device key \(url.path) is not a P-256 private key in PEM")
        }
    }
}
