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
/// (pending). The names are not secret: without this TPM they are nothing, and forgetting them
/// (a factory reset) leaves the keys derivable only by someone who kept them, on this TPM.
public struct TPMKeyStore: KeyFileStore {
    public static let currentName = "tpm-key"
    public static let pendingName = "tpm-key.next"

    public let folder: URL
    public let tpm: TPM

    public init(folder: URL, tpm: TPM) {
        self.folder = folder
        self.tpm = tpm
    }

    public func newKey() throws -> (file: [UInt8], key: DeviceKey) {
        let key = try tpm.makeKey()
        return (Array((key.reference.hexString + "\n").utf8), try DeviceKey(HubPrivateKey(token: key)))
    }

    public func key(fromFile bytes: Data, at url: URL) throws -> DeviceKey {
        guard let name = Hex.decode(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
              name.count == 32
        else { throw HearthError(.storageUnavailable, "\(url.path) does not name a TPM key (64 hex digits)") }
        do {
            return try DeviceKey(HubPrivateKey(token: try tpm.key(named: name)))
        } catch let error as TPMError {
            throw HearthError(.storageUnavailable, "the device key named in \(url.path): \(error)")
        }
    }
}
