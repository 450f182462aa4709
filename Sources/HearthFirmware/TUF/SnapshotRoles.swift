import Foundation
import Crypto
import HearthCore

/// A metadata file as the snapshot and timestamp roles pin it: its version and, for the snapshot
/// the timestamp names, its length and SHA-256 too.
public struct MetaFile: Sendable, Hashable {
    public var version: Int64
    public var length: Int?
    public var sha256: String?

    public init(version: Int64, length: Int? = nil, sha256: String? = nil) {
        self.version = version
        self.length = length
        self.sha256 = sha256
    }

    public init(version: Int64, bytes: [UInt8]) {
        self.init(version: version, length: bytes.count, sha256: SHA256.hash(data: bytes).hexString)
    }

    init(json: JSONValue) throws(TUFError) {
        guard let version = json["version"]?.integer, version >= 1 else { throw .malformed("a meta entry has a version from 1") }
        self.version = version
        length = json["length"]?.integer.map(Int.init)
        sha256 = json["hashes"]?["sha256"]?.string
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["version": .integer(version)]
        if let length { object["length"] = .integer(Int64(length)) }
        if let sha256 { object["hashes"] = .object(["sha256": .string(sha256)]) }
        return .object(object)
    }
}

/// The snapshot role: the version of every targets metadata file (the top-level one and each
/// maker's), so a client never mixes files from different moments.
public struct SnapshotRole: Sendable, Hashable {
    public var header: MetadataHeader
    /// By file name: `targets.json`, `<maker role>.json`.
    public var meta: [String: MetaFile]

    public init(version: Int64, expires: Date, meta: [String: MetaFile]) {
        header = MetadataHeader(type: "snapshot", version: version, expires: expires)
        self.meta = meta
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        header = try MetadataHeader(signed, type: "snapshot")
        guard let objects = signed["meta"]?.object else { throw .malformed("snapshot metadata has meta") }
        var meta: [String: MetaFile] = [:]
        for (name, json) in objects { meta[name] = try MetaFile(json: json) }
        self.meta = meta
    }

    public var signed: JSONValue {
        var object = header.json
        object["meta"] = .object(meta.mapValues(\.json))
        return .object(object)
    }
}

/// The timestamp role: the newest snapshot, re-signed often with a short expiry, so a client
/// held on old metadata (a freeze attack) notices within that expiry.
public struct TimestampRole: Sendable, Hashable {
    public var header: MetadataHeader
    public var snapshot: MetaFile

    public init(version: Int64, expires: Date, snapshot: MetaFile) {
        header = MetadataHeader(type: "timestamp", version: version, expires: expires)
        self.snapshot = snapshot
    }

    public init(_ signed: JSONValue) throws(TUFError) {
        header = try MetadataHeader(signed, type: "timestamp")
        guard let json = signed["meta"]?["snapshot.json"] else { throw .malformed("timestamp metadata names snapshot.json") }
        snapshot = try MetaFile(json: json)
    }

    public var signed: JSONValue {
        var object = header.json
        object["meta"] = .object(["snapshot.json": snapshot.json])
        return .object(object)
    }
}
