import Foundation
import HearthCore

/// Firmware makers, their release keys and models, the releases they published and the images'
/// content addresses (docs/firmware.md).
public struct FirmwareRecords: Sendable {
    let db: any SQLExecutor

    public struct MakerRow: Sendable, Hashable {
        public let id: String
        public let name: String
        public let threshold: Int
        public let createdAt: Date
        public init(id: String, name: String, threshold: Int, createdAt: Date) {
            self.id = id
            self.name = name
            self.threshold = threshold
            self.createdAt = createdAt
        }
    }

    public struct ReleaseRow: Sendable, Hashable {
        public let path: String
        public let maker: String
        public let model: String
        public let version: String
        public let securityVersion: Int64
        public let sha256: String
        public let length: Int64
        public let notes: String
        public let minimumHubVersion: String?
        public let publishedAt: Date
        public var withdrawnAt: Date?
        public var withdrawnReason: String?

        public init(
            path: String, maker: String, model: String, version: String, securityVersion: Int64, sha256: String, length: Int64,
            notes: String, minimumHubVersion: String?, publishedAt: Date, withdrawnAt: Date? = nil, withdrawnReason: String? = nil
        ) {
            self.path = path
            self.maker = maker
            self.model = model
            self.version = version
            self.securityVersion = securityVersion
            self.sha256 = sha256
            self.length = length
            self.notes = notes
            self.minimumHubVersion = minimumHubVersion
            self.publishedAt = publishedAt
            self.withdrawnAt = withdrawnAt
            self.withdrawnReason = withdrawnReason
        }

        init(_ row: SQLRow) throws {
            self.init(
                path: try row.text("path"), maker: try row.text("maker_id"), model: try row.text("model"),
                version: try row.text("version"), securityVersion: try row.integer("security_version"),
                sha256: try row.text("sha256"), length: try row.integer("length"), notes: try row.text("notes"),
                minimumHubVersion: try row.optionalText("min_hub_version"), publishedAt: try row.date("published_at"),
                withdrawnAt: try row.optionalDate("withdrawn_at"), withdrawnReason: try row.optionalText("withdrawn_reason"))
        }
    }

    // MARK: makers

    public func insertMaker(_ maker: MakerRow) async throws {
        do {
            try await db.execute(
                "INSERT INTO firmware_makers (id, name, threshold, created_at) VALUES (?, ?, ?, ?)", maker.id, maker.name,
                maker.threshold, maker.createdAt.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "a maker with id \(maker.id) is registered already")
        }
    }

    public func makers() async throws -> [MakerRow] {
        try await db.query("SELECT * FROM firmware_makers ORDER BY id").map(Self.maker)
    }

    public func maker(_ id: String) async throws -> MakerRow? {
        try await db.first("SELECT * FROM firmware_makers WHERE id = ?", id).map(Self.maker)
    }

    private static func maker(_ row: SQLRow) throws -> MakerRow {
        MakerRow(id: try row.text("id"), name: try row.text("name"), threshold: Int(try row.integer("threshold")), createdAt: try row.date("created_at"))
    }

    // MARK: keys and models

    public func insertKey(id: String, maker: String, json: String, at time: Date) async throws {
        do {
            try await db.execute(
                "INSERT INTO firmware_maker_keys (key_id, maker_id, key_json, added_at) VALUES (?, ?, ?, ?)", id, maker, json,
                time.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "key \(id) is registered already")
        }
    }

    /// Every maker's keys as TUF JSON, by maker.
    public func keys() async throws -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for row in try await db.query("SELECT maker_id, key_json FROM firmware_maker_keys ORDER BY key_id") {
            keys[try row.text("maker_id"), default: []].append(try row.text("key_json"))
        }
        return keys
    }

    /// Removes a maker's key; false when the maker had no such key.
    public func removeKey(id: String, maker: String) async throws -> Bool {
        try await !db.query("DELETE FROM firmware_maker_keys WHERE key_id = ? AND maker_id = ? RETURNING key_id", id, maker).isEmpty
    }

    public func insertModel(_ model: String, maker: String, at time: Date) async throws {
        do {
            try await db.execute(
                "INSERT INTO firmware_models (model, maker_id, added_at) VALUES (?, ?, ?)", model, maker, time.unixMilliseconds)
        } catch let error as HearthError where error.code == .conflict {
            throw HearthError(.conflict, "model \(model) has a maker already")
        }
    }

    /// Every model, by maker.
    public func models() async throws -> [String: [String]] {
        var models: [String: [String]] = [:]
        for row in try await db.query("SELECT model, maker_id FROM firmware_models ORDER BY model") {
            models[try row.text("maker_id"), default: []].append(try row.text("model"))
        }
        return models
    }

    // MARK: releases

    public func insertRelease(_ release: ReleaseRow) async throws {
        try await db.execute(
            "INSERT INTO firmware_releases (path, maker_id, model, version, security_version, sha256, length, notes, min_hub_version, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            release.path, release.maker, release.model, release.version, release.securityVersion, release.sha256, release.length,
            release.notes, release.minimumHubVersion, release.publishedAt.unixMilliseconds)
    }

    /// Releases, newest security version first; of one model when given.
    public func releases(model: String? = nil) async throws -> [ReleaseRow] {
        if let model {
            return try await db.query(
                "SELECT * FROM firmware_releases WHERE model = ? ORDER BY security_version DESC, published_at DESC", model
            ).map(ReleaseRow.init)
        }
        return try await db.query("SELECT * FROM firmware_releases ORDER BY model, security_version DESC, published_at DESC")
            .map(ReleaseRow.init)
    }

    public func release(model: String, version: String) async throws -> ReleaseRow? {
        try await db.first("SELECT * FROM firmware_releases WHERE model = ? AND version = ?", model, version).map(ReleaseRow.init)
    }

    /// Marks a release withdrawn; false when it was withdrawn already (or is not there).
    public func withdraw(model: String, version: String, reason: String, at time: Date) async throws -> Bool {
        try await !db.query(
            "UPDATE firmware_releases SET withdrawn_at = ?, withdrawn_reason = ? WHERE model = ? AND version = ? AND withdrawn_at IS NULL RETURNING path",
            time.unixMilliseconds, reason, model, version
        ).isEmpty
    }

    // MARK: images

    public struct ImageRow: Sendable, Hashable {
        public let sha256: String
        public let length: Int64
        /// The PostgreSQL large object holding it; nil when it is a file in the data folder.
        public let largeObject: Int64?
    }

    /// Records an image; false when it was recorded already.
    public func insertImage(sha256: String, length: Int64, largeObject: Int64?, at time: Date) async throws -> Bool {
        try await !db.query(
            "INSERT INTO firmware_images (sha256, length, large_object, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
            sha256, length, largeObject, time.unixMilliseconds
        ).isEmpty
    }

    public func image(sha256: String) async throws -> ImageRow? {
        try await db.first("SELECT * FROM firmware_images WHERE sha256 = ?", sha256).map {
            ImageRow(sha256: try $0.text("sha256"), length: try $0.integer("length"), largeObject: try $0.optionalInteger("large_object"))
        }
    }

    /// PostgreSQL only: a new large object holding `bytes`; its oid.
    public func createLargeObject(_ bytes: [UInt8]) async throws -> Int64 {
        guard let row = try await db.first("SELECT CAST(lo_from_bytea(0, ?) AS BIGINT) AS oid", bytes) else {
            throw HearthError(.storageUnavailable, "the database made no large object")
        }
        return try row.integer("oid")
    }

    /// PostgreSQL only: a large object's bytes.
    public func readLargeObject(_ oid: Int64) async throws -> [UInt8] {
        guard let row = try await db.first("SELECT lo_get(CAST(? AS OID)) AS bytes", oid) else {
            throw HearthError(.notFound, "large object \(oid) is gone")
        }
        return try row.blob("bytes")
    }
}
