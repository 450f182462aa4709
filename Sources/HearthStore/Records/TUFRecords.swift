import Foundation
import HearthCore

/// The hub's TUF repository: its role keys (sealed) and every version of every role's metadata.
public struct TUFRecords: Sendable {
    let db: any SQLExecutor

    public struct KeyRow: Sendable, Hashable {
        public let keyID: String
        public let role: String
        public let privateSealed: [UInt8]
        public let createdAt: Date
    }

    public struct MetadataRow: Sendable, Hashable {
        public let role: String
        public let version: Int64
        public let body: [UInt8]
        public let expiresAt: Date
    }

    public func insertKey(id: String, role: String, sealed: [UInt8], at time: Date) async throws {
        try await db.execute(
            "INSERT INTO tuf_keys (key_id, role, private_sealed, created_at) VALUES (?, ?, ?, ?)", id, role, sealed,
            time.unixMilliseconds)
    }

    /// The keys in use (not retired), every role's.
    public func activeKeys() async throws -> [KeyRow] {
        try await db.query("SELECT * FROM tuf_keys WHERE retired_at IS NULL ORDER BY role, created_at").map(Self.key)
    }

    /// Every key, retired ones too (for re-sealing under a new KEK).
    public func allKeys() async throws -> [KeyRow] {
        try await db.query("SELECT * FROM tuf_keys ORDER BY created_at").map(Self.key)
    }

    public func retireKeys(role: String, at time: Date) async throws {
        try await db.execute("UPDATE tuf_keys SET retired_at = ? WHERE role = ? AND retired_at IS NULL", time.unixMilliseconds, role)
    }

    public func updateSealed(id: String, _ sealed: [UInt8]) async throws {
        try await db.execute("UPDATE tuf_keys SET private_sealed = ? WHERE key_id = ?", sealed, id)
    }

    private static func key(_ row: SQLRow) throws -> KeyRow {
        KeyRow(keyID: try row.text("key_id"), role: try row.text("role"), privateSealed: try row.blob("private_sealed"), createdAt: try row.date("created_at"))
    }

    /// Stores a version of a role's metadata; false when that version exists already (another
    /// node wrote it first).
    public func insertMetadata(role: String, version: Int64, body: [UInt8], expiresAt: Date, at time: Date) async throws -> Bool {
        try await !db.query(
            "INSERT INTO tuf_metadata (role, version, body, expires_at, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (role, version) DO NOTHING RETURNING version",
            role, version, body, expiresAt.unixMilliseconds, time.unixMilliseconds
        ).isEmpty
    }

    public func latest(role: String) async throws -> MetadataRow? {
        try await db.first("SELECT * FROM tuf_metadata WHERE role = ? ORDER BY version DESC LIMIT 1", role).map(Self.metadata)
    }

    public func metadata(role: String, version: Int64) async throws -> MetadataRow? {
        try await db.first("SELECT * FROM tuf_metadata WHERE role = ? AND version = ?", role, version).map(Self.metadata)
    }

    /// The newest version of every role.
    public func latestVersions() async throws -> [String: Int64] {
        var versions: [String: Int64] = [:]
        for row in try await db.query("SELECT role, MAX(version) AS version FROM tuf_metadata GROUP BY role") {
            versions[try row.text("role")] = try row.integer("version")
        }
        return versions
    }

    private static func metadata(_ row: SQLRow) throws -> MetadataRow {
        MetadataRow(role: try row.text("role"), version: try row.integer("version"), body: try row.blob("body"), expiresAt: try row.date("expires_at"))
    }
}
