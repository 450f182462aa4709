import Foundation
import HearthCore
import HearthKeys
import HearthTPM
import NIOSSL
import X509

extension DeviceKey {
    /// A key that signs in a token (a TPM): certificate requests and TLS handshakes are signed there.
    public init(_ key: HubPrivateKey) throws {
        self.init(signingKey: try Certificate.PrivateKey(key), tlsKey: try NIOSSLPrivateKey(key))
    }
}

/// Keys in a TPM 2.0: the private keys are made in the TPM and never leave it; the state folder
/// keeps only the 32 bytes that name each one (``TPM``), `tpm-key` (current) and `tpm-key.next`
/// (pending), promoted by `rename` as ``FileKeyStore`` promotes its files. The names are not
/// secret: without this TPM they are nothing.
public struct TPMKeyStore: DeviceKeyStore {
    public static let currentName = "tpm-key"
    public static let pendingName = "tpm-key.next"

    public let folder: URL
    public let tpm: TPM

    public init(folder: URL, tpm: TPM) {
        self.folder = folder
        self.tpm = tpm
    }

    var files: KeyFilePair { KeyFilePair(folder: folder, current: Self.currentName, pending: Self.pendingName) }

    public func makePendingKey() throws -> DeviceKey {
        try AtomicFile.makePrivateFolder(folder)
        let key = try tpm.makeKey()
        try AtomicFile.write(Array((key.reference.hexString + "\n").utf8), to: files.pendingURL, mode: 0o600)
        return try DeviceKey(HubPrivateKey(token: key))
    }

    public func pendingKey() throws -> DeviceKey? { try load(files.pendingURL) }

    public func currentKey() throws -> DeviceKey? { try load(files.currentURL) }

    public func promotePendingKey() throws { try files.promotePending() }

    /// Forgets the names: the keys stay derivable only by someone who kept them, on this TPM.
    public func forgetAll() throws { try files.forgetAll() }

    public func discardPendingKey() throws { try files.discardPending() }

    private func load(_ url: URL) throws -> DeviceKey? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let name = Hex.decode(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              name.count == 32
        else { throw HearthError(.storageUnavailable, "\(url.path) does not name a TPM key (64 hex digits)") }
        do {
            return try DeviceKey(HubPrivateKey(token: try tpm.key(named: name)))
        } catch let error as TPMError {
            throw HearthError(.storageUnavailable, "the device key named in \(url.path): \(error)")
        }
    }
}
