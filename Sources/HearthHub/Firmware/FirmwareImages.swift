import Crypto
import Foundation
import HearthCore
import HearthStore

/// Firmware images by content address (their SHA-256): files in the data folder's `firmware/`
/// on SQLite, large objects on PostgreSQL (so every node serves every image). An image is on disk
/// (flushed) or in the database before its row is committed, so a recorded image is never missing.
public struct FirmwareImages: Sendable {
    let store: Store
    /// Where images are files; nil on PostgreSQL.
    let folder: URL?
    let largeObjects: Bool
    /// Largest image accepted.
    public static let maximumSize = 256 * 1024 * 1024

    init(store: Store, folder: String?) {
        self.store = store
        largeObjects = store.engine.dialect.name == "postgres"
        self.folder = largeObjects ? nil : folder.map { URL(fileURLWithPath: $0).appendingPathComponent("firmware") }
    }

    public struct Stored: Sendable, Hashable, Encodable {
        public let sha256: String
        public let length: Int
        /// False when the same bytes were stored before.
        public let created: Bool
    }

    /// Stores `bytes`; when `expected` is given, refuses bytes whose SHA-256 is another.
    public func put(_ bytes: [UInt8], expected: String? = nil) async throws -> Stored {
        guard !bytes.isEmpty, bytes.count <= Self.maximumSize else {
            throw HearthError(.invalidInput, "an image is 1 byte to \(Self.maximumSize / 1024 / 1024) MiB")
        }
        let sha256 = SHA256.hash(data: bytes).hexString
        if let expected, expected.lowercased() != sha256 {
            throw HearthError(.invalidInput, "the image's SHA-256 is \(sha256), not \(expected)")
        }
        if try await store.read({ db in try await db.firmware.image(sha256: sha256) }) != nil {
            return Stored(sha256: sha256, length: bytes.count, created: false)
        }
        let created: Bool
        guard folder != nil || largeObjects else {
            throw HearthError(.configuration, "this hub was started without a folder for firmware images (hearth serve sets the data folder's)")
        }
        if let folder {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: folder.appendingPathComponent(sha256))
            created = try await store.write { db in
                try await db.firmware.insertImage(sha256: sha256, length: Int64(bytes.count), largeObject: nil, at: db.clock.now)
            }
        } else {
            created = try await store.write { db in
                guard try await db.firmware.image(sha256: sha256) == nil else { return false }
                let oid = try await db.firmware.createLargeObject(bytes)
                return try await db.firmware.insertImage(sha256: sha256, length: Int64(bytes.count), largeObject: oid, at: db.clock.now)
            }
        }
        return Stored(sha256: sha256, length: bytes.count, created: created)
    }

    /// An image's bytes, checked against its address; nil when there is none.
    public func get(sha256: String) async throws -> [UInt8]? {
        guard sha256.utf8.count == 64, let row = try await store.read({ db in try await db.firmware.image(sha256: sha256) }) else {
            return nil
        }
        let bytes: [UInt8]
        if let oid = row.largeObject {
            bytes = try await store.read { db in try await db.firmware.readLargeObject(oid) }
        } else if let folder, let data = FileManager.default.contents(atPath: folder.appendingPathComponent(sha256).path) {
            bytes = Array(data)
        } else {
            throw HearthError(.storageUnavailable, "image \(sha256) is recorded but its file is missing from the data folder")
        }
        // The hub serves what it stored, never a file changed on disk since (TUF clients check too).
        guard SHA256.hash(data: bytes).hexString == sha256 else {
            throw HearthError(.storageUnavailable, "image \(sha256) changed on disk since it was stored")
        }
        return bytes
    }
}
