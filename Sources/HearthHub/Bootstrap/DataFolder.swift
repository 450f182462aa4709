import Foundation
import HearthCore
import HearthDetection

/// The hub's folder on disk: the SQLite database (embedded default), the key-encryption key and
/// the root CA certificate for clients to trust. Created with mode 0700.
public struct DataFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var databasePath: String { path + "/hearth.sqlite" }
    public var kekPath: String { path + "/kek" }
    /// The KEK a rotation is moving to; present only while `hearth ca rotate-kek` runs (or if it
    /// was interrupted, until it is run again).
    public var nextKEKPath: String { path + "/kek.next" }
    /// The hub's root CA certificate (public), for `curl --cacert` and device set-up.
    public var rootCertificatePath: String { path + "/ca-root.pem" }
    /// The newest audit checkpoint, kept outside the database (``AuditCheckpointFile``).
    public var auditCheckpointPath: String { path + "/" + AuditCheckpointFile.fileName }
    /// The detectors' thresholds and containment rules, when an operator wrote any (docs/detection.md).
    public var detectionSettingsPath: String { path + "/detection.json" }

    /// The settings in ``detectionSettingsPath``, or the defaults when there is no such file.
    public func detectionSettings() throws -> DetectionSettings {
        guard let data = FileManager.default.contents(atPath: detectionSettingsPath) else { return DetectionSettings() }
        do {
            return try JSONDecoder().decode(DetectionSettings.self, from: data)
        } catch {
            throw HearthError(.configuration, "\(detectionSettingsPath) is not valid detection settings (docs/detection.md): \(error)")
        }
    }

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
        if let kek = try Self.readKey(at: kekPath) { return kek }
        guard create else {
            throw HearthError(
                .configuration, "no key-encryption key: \(kekPath) is missing and HEARTH_KEK is not set")
        }
        return try Self.createKey(at: kekPath)
    }

    /// The KEK of an unfinished rotation, if any.
    public func nextKeyEncryptionKey() throws -> [UInt8]? { try Self.readKey(at: nextKEKPath) }

    /// The KEK to rotate to: the unfinished rotation's, else a new one written to `kek.next`.
    public func makeNextKeyEncryptionKey() throws -> [UInt8] {
        try Self.readKey(at: nextKEKPath) ?? Self.createKey(at: nextKEKPath)
    }

    /// Makes `kek.next` the KEK (an atomic rename), once every key is sealed under it.
    public func installNextKeyEncryptionKey() throws {
        guard rename(nextKEKPath, kekPath) == 0 else {
            throw HearthError(.configuration, "cannot rename \(nextKEKPath) to \(kekPath) (errno \(errno))")
        }
    }

    private static func readKey(at path: String) throws -> [UInt8]? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else { return nil }
        let attributes = try manager.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            throw HearthError(
                .configuration, "\(path) is readable by others (mode \(String(mode.intValue, radix: 8))); chmod 600 it")
        }
        guard let data = manager.contents(atPath: path), data.count == 32 else {
            throw HearthError(.configuration, "\(path) must hold exactly 32 bytes")
        }
        return Array(data)
    }

    private static func createKey(at path: String) throws -> [UInt8] {
        let kek = SecureRandom.bytes(32)
        guard FileManager.default.createFile(atPath: path, contents: Data(kek), attributes: [.posixPermissions: 0o600])
        else { throw HearthError(.configuration, "cannot write \(path)") }
        return kek
    }

    /// Writes the hub's root certificate for clients.
    public func writeRootCertificate(_ pem: String) throws {
        do {
            try Data(pem.utf8).write(to: URL(fileURLWithPath: rootCertificatePath), options: .atomic)
        } catch {
            throw HearthError(.configuration, "cannot write \(rootCertificatePath): \(error.localizedDescription)")
        }
    }
}
