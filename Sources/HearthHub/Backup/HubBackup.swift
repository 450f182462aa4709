import Foundation
import HearthCore
import HearthStore
import HearthStoreSQLite

/// `hearth backup` and `hearth restore`: a hub's data folder (its SQLite database, taken with the
/// online backup API while the hub runs, the KEK, the root certificate, the newest audit
/// checkpoint, detection settings and firmware images) in one encrypted file (``BackupArchive``).
public enum HubBackup {
    static let databaseEntry = "hearth.sqlite"
    /// The data folder's files a restored hub needs beside its database; absent ones are skipped.
    /// `pkcs11.json` names the token a hub's signing keys live in (the keys stay in the token, and
    /// the PIN in its own file: neither is in a backup).
    static let folderFiles = ["kek", "ca-root.pem", AuditCheckpointFile.fileName, "detection.json", "pkcs11.json"]
    static let firmwareFolder = "firmware"

    public static func make(
        dataFolder: DataFolder, location: DatabaseLocation, protection: BackupArchive.Protection, now: Date
    ) throws -> (file: [UInt8], header: BackupArchive.Header) {
        guard case .sqlite(let path) = location else {
            throw HearthError(.rejected, code: "backup-postgres",
                "on PostgreSQL, back the database up with PostgreSQL's own tools (pg_dump --format=custom, or pg_basebackup with WAL archiving for point-in-time recovery) and keep a copy of the KEK apart from it; `hearth backup` covers the SQLite engine")
        }
        if case .passphrase(let passphrase) = protection { try checkPassphrase(passphrase) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-backup-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let schemaVersion = try SQLiteOnlineBackup.copy(from: path, to: scratch.path)
        var entries: [(name: String, bytes: [UInt8])] = [(databaseEntry, try bytes(scratch.path))]
        for name in folderFiles where FileManager.default.fileExists(atPath: dataFolder.path + "/" + name) {
            entries.append((name, try bytes(dataFolder.path + "/" + name)))
        }
        let images = dataFolder.path + "/" + firmwareFolder
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: images)) ?? []).sorted() where isImageName(name) {
            entries.append((firmwareFolder + "/" + name, try bytes(images + "/" + name)))
        }
        let header = BackupArchive.Header(
            createdAt: RFC3339.format(now), engine: "sqlite", schemaVersion: schemaVersion, hubVersion: HubVersion.current)
        return (try BackupArchive(header: header, entries: entries).sealed(protection), header)
    }

    /// Writes the backup's files into `dataFolder`, which must be new or empty and not in use.
    public static func restore(_ file: [UInt8], with opener: BackupArchive.Opener, into dataFolder: DataFolder) throws -> BackupArchive.Header {
        let header = try BackupArchive.header(of: file)
        guard header.schemaVersion <= Schema.latestVersion else {
            throw HearthError(.schemaTooNew,
                "this backup is of schema version \(header.schemaVersion), newer than this hub's (\(Schema.latestVersion)); restore it with Hearth \(header.hubVersion) or later")
        }
        if FileManager.default.fileExists(atPath: dataFolder.path) {
            guard let alone = try DataFolderLock.alone(dataFolder) else {
                throw HearthError(.conflict, code: "hub-running", "a hub is running on \(dataFolder.path); stop it before restoring")
            }
            defer { withExtendedLifetime(alone) {} }
            let present = (try? FileManager.default.contentsOfDirectory(atPath: dataFolder.path)) ?? []
            guard present.allSatisfy({ $0 == "hub.lock" }) else {
                throw HearthError(.conflict, code: "data-folder-not-empty",
                    "\(dataFolder.path) already holds a hub's data; restore into a new or empty folder")
            }
        }
        let archive = try BackupArchive.open(file, with: opener)
        guard archive.entry(databaseEntry) != nil else {
            throw HearthError(.invalidInput, code: "backup-malformed", "this Hearth backup holds no database")
        }
        for (name, _) in archive.entries where !isRestorable(name) {
            throw HearthError(.invalidInput, code: "backup-malformed", "this Hearth backup holds an unexpected file")
        }
        try dataFolder.create()
        let root = URL(fileURLWithPath: dataFolder.path)
        for (name, bytes) in archive.entries {
            if name.hasPrefix(firmwareFolder + "/") {
                try AtomicFile.makePrivateFolder(root.appendingPathComponent(firmwareFolder))
            }
            try AtomicFile.write(bytes, to: root.appendingPathComponent(name), mode: name == "ca-root.pem" ? 0o644 : 0o600)
        }
        return header
    }

    static func checkPassphrase(_ passphrase: String) throws {
        guard passphrase.count >= BackupArchive.minimumPassphraseLength else {
            throw HearthError(.invalidInput, code: "weak-passphrase",
                "the backup holds the KEK: give a passphrase of at least \(BackupArchive.minimumPassphraseLength) characters")
        }
    }

    /// Names a backup may hold: the folder's files, and content-addressed images (hex digests).
    static func isRestorable(_ name: String) -> Bool {
        if name == databaseEntry || folderFiles.contains(name) { return true }
        guard name.hasPrefix(firmwareFolder + "/") else { return false }
        return isImageName(String(name.dropFirst(firmwareFolder.count + 1)))
    }

    static func isImageName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isHexDigit || $0 == "." || $0 == "-" } && !name.hasPrefix(".")
    }

    private static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HearthError(.configuration, "cannot read \(path)")
        }
        return Array(data)
    }
}
