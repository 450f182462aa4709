import Foundation
import HearthCore

/// The hub's folder on disk: the SQLite database (embedded default), the key-encryption key and
/// the hub certificate for clients to trust. Created with mode 0700.
public struct DataFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var databasePath: String { path + "/hearth.sqlite" }
    public var kekPath: String { path + "/kek" }
    /// The hub's TLS certificate (public), for `curl --cacert` and device set-up.
    public var hubCertificatePath: String { path + "/hub-cert.pem" }

    /// True when there is nothing here yet: no folder, or an empty one.
    public var isMissingOrEmpty: Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            return !FileManager.default.fileExists(atPath: path)
        }
        return entries.isEmpty
    }

    /// Creates the folder (and parents) and restricts it to its owner.
    public func create() throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw HearthError(.configuration, "cannot create the data folder \(path): \(error.localizedDescription)")
        }
    }

    /// Reads the 32-byte KEK, or makes one (mode 0600) when `create` is set and none exists.
    /// Refuses a KEK file that others can read.
    public func keyEncryptionKey(create: Bool) throws -> [UInt8] {
        let manager = FileManager.default
        if manager.fileExists(atPath: kekPath) {
            let attributes = try manager.attributesOfItem(atPath: kekPath)
            if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
                throw HearthError(
                    .configuration, "\(kekPath) is readable by others (mode \(String(mode.intValue, radix: 8))); chmod 600 it")
            }
            guard let data = manager.contents(atPath: kekPath), data.count == 32 else {
                throw HearthError(.configuration, "\(kekPath) must hold exactly 32 bytes")
            }
            return Array(data)
        }
        guard create else {
            throw HearthError(
                .configuration, "no key-encryption key: \(kekPath) is missing and HEARTH_KEK is not set")
        }
        let kek = SecureRandom.bytes(32)
        guard manager.createFile(atPath: kekPath, contents: Data(kek), attributes: [.posixPermissions: 0o600]) else {
            throw HearthError(.configuration, "cannot write \(kekPath)")
        }
        return kek
    }

    /// Writes the hub's public certificate for clients.
    public func writeHubCertificate(_ pem: String) throws {
        do {
            try Data(pem.utf8).write(to: URL(fileURLWithPath: hubCertificatePath), options: .atomic)
        } catch {
            throw HearthError(.configuration, "cannot write \(hubCertificatePath): \(error.localizedDescription)")
        }
    }
}
