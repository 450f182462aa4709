import Crypto
import Foundation
import HearthCore

/// A TUF client's trusted metadata (TUF specification 1.0, 5 "Detailed client workflow"), as
/// python-tuf's `TrustedMetadataSet` keeps it: each update is checked against what is trusted
/// already — signatures by the keys the delegating role names, versions that never go back,
/// expiry, the lengths and hashes pinned by the role above — and only then trusted. No I/O: the
/// device's updater fetches the files and hands them here.
public struct TrustedMetadata: Sendable {
    public private(set) var root: RootRole
    public private(set) var timestamp: TimestampRole?
    public private(set) var snapshot: SnapshotRole?
    public private(set) var targets: TargetsRole?
    /// Delegated targets roles (the makers'), by role name.
    public private(set) var delegated: [String: TargetsRole] = [:]
    /// The newest file of each role as received, for the device to keep between runs.
    public private(set) var files: [String: [UInt8]] = [:]
    let now: Date

    /// Starts from a root the device trusts already (its first from pairing, or the newest it kept).
    public init(root bytes: [UInt8], at now: Date) throws(TUFError) {
        let metadata = try SignedMetadata(parsing: bytes)
        let root = try RootRole(metadata.signed)
        // The first root is trusted as given; it must still be signed by its own root keys.
        try metadata.verify("root", root.role("root"), keys: root.keys)
        self.root = root
        self.now = now
        files["root"] = bytes
    }

    /// The next root version (TUF 5.3): signed by the trusted root's keys and by its own, one
    /// version up. A new root that replaces the timestamp or snapshot keys forgets those roles.
    public mutating func updateRoot(_ bytes: [UInt8]) throws(TUFError) {
        let metadata = try SignedMetadata(parsing: bytes)
        let next = try RootRole(metadata.signed)
        try metadata.verify("root", root.role("root"), keys: root.keys)
        try metadata.verify("root", next.role("root"), keys: next.keys)
        guard next.header.version == root.header.version + 1 else {
            throw .version(role: "root", "expected \(root.header.version + 1), got \(next.header.version)")
        }
        if next.role("timestamp") != root.role("timestamp") || next.role("snapshot") != root.role("snapshot") {
            timestamp = nil
            snapshot = nil
        }
        root = next
        files["root"] = bytes
    }

    /// Once no newer root is found: the trusted root must not have expired (a freeze attack).
    public func checkRootNotExpired() throws(TUFError) {
        try root.header.checkNotExpired(at: now)
    }

    /// The newest timestamp (5.4); returns false when it is the one trusted already.
    @discardableResult
    public mutating func updateTimestamp(_ bytes: [UInt8]) throws(TUFError) -> Bool {
        let metadata = try SignedMetadata(parsing: bytes)
        try metadata.verify("timestamp", root.role("timestamp"), keys: root.keys)
        let next = try TimestampRole(metadata.signed)
        if let timestamp {
            guard next.header.version >= timestamp.header.version else {
                throw .version(role: "timestamp", "\(next.header.version) is older than the trusted \(timestamp.header.version)")
            }
            guard next.snapshot.version >= timestamp.snapshot.version else {
                throw .version(role: "snapshot", "the timestamp names \(next.snapshot.version), older than the trusted \(timestamp.snapshot.version)")
            }
        }
        try next.header.checkNotExpired(at: now)
        let changed = timestamp?.header.version != next.header.version
        timestamp = next
        files["timestamp"] = bytes
        return changed
    }

    /// The snapshot the timestamp names (5.5): its length and hash as pinned, its version, no
    /// targets file older than in the trusted snapshot.
    public mutating func updateSnapshot(_ bytes: [UInt8]) throws(TUFError) {
        guard let pinned = timestamp?.snapshot else { throw .malformed("the timestamp must be trusted before the snapshot") }
        try Self.check(bytes, against: pinned, name: "snapshot")
        let metadata = try SignedMetadata(parsing: bytes)
        try metadata.verify("snapshot", root.role("snapshot"), keys: root.keys)
        let next = try SnapshotRole(metadata.signed)
        guard next.header.version == pinned.version else {
            throw .version(role: "snapshot", "the timestamp names \(pinned.version), the file says \(next.header.version)")
        }
        for (name, file) in snapshot?.meta ?? [:] {
            guard let newer = next.meta[name] else { throw .version(role: "snapshot", "\(name) disappeared from the snapshot") }
            guard newer.version >= file.version else {
                throw .version(role: "snapshot", "\(name) went back from version \(file.version) to \(newer.version)")
            }
        }
        try next.header.checkNotExpired(at: now)
        snapshot = next
        files["snapshot"] = bytes
    }

    /// The top-level targets (5.6), at the version the snapshot names.
    public mutating func updateTargets(_ bytes: [UInt8]) throws(TUFError) {
        targets = try checkedTargets(bytes, name: "targets", role: root.role("targets"), keys: root.keys)
        files["targets"] = bytes
    }

    /// A delegated role's targets (5.6.7), signed by the keys its delegation names.
    public mutating func updateDelegated(_ bytes: [UInt8], role name: String) throws(TUFError) {
        guard let delegation = targets?.delegations?.first(where: { $0.name == name }), let keys = targets?.delegationKeys else {
            throw .malformed("role \(name) is not delegated by the trusted targets")
        }
        delegated[name] = try checkedTargets(bytes, name: name, role: delegation.keys, keys: keys)
        files[name] = bytes
    }

    /// The version of a targets file the trusted snapshot names (what to fetch), or nil.
    public func version(of role: String) -> Int64? { snapshot?.meta["\(role).json"]?.version }

    /// The delegated role trusted for `path` (the first delegation whose paths cover it; the
    /// hub's are terminating), and the target there once that role is trusted.
    public func delegation(for path: String) -> Delegation? {
        targets?.delegations?.first { $0.covers(path) }
    }

    public func target(_ path: String) -> TargetFile? {
        if let file = targets?.targets[path] { return file }
        guard let delegation = delegation(for: path) else { return nil }
        return delegated[delegation.name]?.targets[path]
    }

    private func checkedTargets(_ bytes: [UInt8], name: String, role: RoleKeys, keys: [String: TUFKey]) throws(TUFError) -> TargetsRole {
        guard let pinned = snapshot?.meta["\(name).json"] else { throw .malformed("the trusted snapshot does not name \(name)") }
        try Self.check(bytes, against: pinned, name: name)
        let metadata = try SignedMetadata(parsing: bytes)
        try metadata.verify(name, role, keys: keys)
        let next = try TargetsRole(metadata.signed)
        guard next.header.version == pinned.version else {
            throw .version(role: name, "the snapshot names \(pinned.version), the file says \(next.header.version)")
        }
        try next.header.checkNotExpired(at: now)
        return next
    }

    /// A file against the length and hash a role above pinned, where it pinned them.
    static func check(_ bytes: [UInt8], against pinned: MetaFile, name: String) throws(TUFError) {
        if let length = pinned.length, bytes.count != length {
            throw .malformed("\(name) is \(bytes.count) bytes where \(length) were pinned")
        }
        if let sha256 = pinned.sha256, SHA256.hash(data: bytes).hexString != sha256 {
            throw .malformed("\(name) does not have the SHA-256 that was pinned")
        }
    }

    /// A downloaded image against its target: length and SHA-256 (5.7.3).
    public static func checkImage(_ bytes: [UInt8], _ target: TargetFile, path: String) throws(TUFError) {
        guard bytes.count == target.length, SHA256.hash(data: bytes).hexString == target.sha256 else {
            throw .release("the image of \(path) does not have the length and SHA-256 its maker signed")
        }
    }
}

extension TrustedMetadata {
    /// The timestamp and snapshot the device kept from its last update: not trusted for what
    /// they say now (they may have expired), but a floor no newer file may fall below, so a
    /// replay of older metadata is refused across restarts too. Files that do not verify under
    /// the trusted root are ignored (as after a root rotation of their keys).
    public mutating func restore(timestamp: [UInt8]?, snapshot: [UInt8]?) {
        if let bytes = timestamp, let metadata = try? SignedMetadata(parsing: bytes),
           (try? metadata.verify("timestamp", root.role("timestamp"), keys: root.keys)) != nil,
           let role = try? TimestampRole(metadata.signed)
        {
            self.timestamp = role
            files["timestamp"] = bytes
        }
        if let bytes = snapshot, let metadata = try? SignedMetadata(parsing: bytes),
           (try? metadata.verify("snapshot", root.role("snapshot"), keys: root.keys)) != nil,
           let role = try? SnapshotRole(metadata.signed)
        {
            self.snapshot = role
            files["snapshot"] = bytes
        }
    }
}
