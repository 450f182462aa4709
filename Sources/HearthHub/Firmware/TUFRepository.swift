import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthStore

/// The hub's TUF repository (TUF specification 1.0; docs/firmware.md): the root, targets,
/// snapshot and timestamp roles, one Ed25519 key each, sealed under the KEK; every maker a
/// delegated targets role for its models. Every version of every file is kept, so clients fetch
/// consistent snapshots (`<version>.<role>.json`) and walk the root versions one by one.
public struct TUFRepository: Sendable {
    let store: Store
    let sealer: KeySealer
    let lifetimes: RepositoryLifetimes

    init(store: Store, sealer: KeySealer, lifetimes: RepositoryLifetimes) {
        self.store = store
        self.sealer = sealer
        self.lifetimes = lifetimes
    }

    static func sealName(_ keyID: String) -> String { "tuf-key:\(keyID)" }

    /// Makes the four role keys and the first version of each role, unless that was done.
    package func initialize() async throws {
        try await Self.retryingConflicts {
            try await store.write { db in
                guard try await db.tuf.latest(role: "root") == nil else { return }
                let now = db.clock.now
                var keys: [String: TUFSigningKey] = [:]
                for role in RootRole.topLevelRoles {
                    keys[role] = try await newKey(db, role: role, at: now)
                }
                try await put(db, "root", try RepositorySigning.root(
                    version: 1, keys: keys, signers: [keys["root"]!], expires: now + lifetimes.root), at: now)
                try await republish(db, keys: keys, targets: true, at: now)
            }
        }
    }

    /// Serves one metadata file: `timestamp.json` (the newest), `<version>.<role>.json`, or
    /// `<role>.json` (the newest of any role: the first root a device trusts, a maker's own).
    package func file(_ name: String) async throws -> [UInt8]? {
        guard name.hasSuffix(".json") else { return nil }
        let stem = name.dropLast(".json".count)
        let parts = stem.split(separator: ".", maxSplits: 1)
        if parts.count == 2, let version = Int64(parts[0]), version >= 1 {
            let role = String(parts[1])
            guard Self.isRoleName(role) else { return nil }
            return try await store.read { db in try await db.tuf.metadata(role: role, version: version)?.body }
        }
        let role = String(stem)
        guard Self.isRoleName(role) else { return nil }
        return try await store.read { db in try await db.tuf.latest(role: role)?.body }
    }

    static func isRoleName(_ role: String) -> Bool {
        RootRole.topLevelRoles.contains(role)
            || (role.hasPrefix("maker-") && FirmwareRelease.isName(role.dropFirst("maker-".count), maximum: 40))
    }

    // MARK: publishing

    /// Writes, in the caller's transaction, a new targets version (when makers changed), then a
    /// new snapshot of every targets file and a new timestamp of that snapshot.
    func republish(_ db: StoreSession, keys given: [String: TUFSigningKey]? = nil, targets: Bool, at now: Date) async throws {
        var keys = given ?? [:]
        if given == nil { keys = try await signingKeys(db) }
        var versions = try await db.tuf.latestVersions()
        if targets {
            let version = (versions["targets"] ?? 0) + 1
            // A maker is delegated to from its first publication on: TUF clients refuse a
            // delegated role that the snapshot does not name, and only published roles are named.
            let published = try await Self.delegations(db).filter { versions[$0.roleName] != nil }
            try await put(db, "targets", try RepositorySigning.targets(
                version: version, makers: published, key: try Self.key(keys, "targets"),
                expires: now + lifetimes.targets), at: now)
            versions["targets"] = version
        }
        let snapshotVersion = (versions["snapshot"] ?? 0) + 1
        let snapshot = try RepositorySigning.snapshot(
            version: snapshotVersion, targetsVersion: versions["targets"] ?? 1,
            makerVersions: versions.filter { $0.key.hasPrefix("maker-") }, key: try Self.key(keys, "snapshot"),
            expires: now + lifetimes.snapshot)
        try await put(db, "snapshot", snapshot, at: now)
        try await put(db, "timestamp", try RepositorySigning.timestamp(
            version: (versions["timestamp"] ?? 0) + 1, snapshot: snapshot.bytes, snapshotVersion: snapshotVersion,
            key: try Self.key(keys, "timestamp"), expires: now + lifetimes.timestamp), at: now)
    }

    /// Signs again what is close to expiring (docs/firmware.md, "Expiry"): a new timestamp at half
    /// its lifetime, and so on up to the root. Returns the roles re-signed.
    @discardableResult
    package func refresh() async throws -> [String] {
        try await Self.retryingConflicts {
            try await store.write { db in
                let now = db.clock.now
                var due: [String] = []
                for role in RootRole.topLevelRoles {
                    if let latest = try await db.tuf.latest(role: role), lifetimes.isDue(role, expires: latest.expiresAt, at: now) {
                        due.append(role)
                    }
                }
                guard !due.isEmpty else { return [] }
                let keys = try await signingKeys(db)
                if due.contains("root") {
                    let version = (try await db.tuf.latest(role: "root")?.version ?? 0) + 1
                    try await put(db, "root", try RepositorySigning.root(
                        version: version, keys: keys, signers: [try Self.key(keys, "root")], expires: now + lifetimes.root), at: now)
                }
                if due.contains("targets") || due.contains("snapshot") {
                    try await republish(db, keys: keys, targets: due.contains("targets"), at: now)
                } else if due.contains("timestamp") {
                    let versions = try await db.tuf.latestVersions()
                    guard let snapshot = try await db.tuf.latest(role: "snapshot") else { return due }
                    try await put(db, "timestamp", try RepositorySigning.timestamp(
                        version: (versions["timestamp"] ?? 0) + 1, snapshot: snapshot.body, snapshotVersion: snapshot.version,
                        key: try Self.key(keys, "timestamp"), expires: now + lifetimes.timestamp), at: now)
                }
                return due
            }
        }
    }

    /// Replaces a role's key (TUF specification 6.1, key rotation): a new root version names the
    /// new key and is signed by the previous root key (and, for the root role, by the new one
    /// too, so a client can move from one to the other); the role's metadata is then signed
    /// again with its new key. Returns the new key's id.
    package func rotate(_ role: String, actor: AuditActor) async throws -> String {
        guard RootRole.topLevelRoles.contains(role) else {
            throw HearthError(.invalidInput, "the hub's roles are \(RootRole.topLevelRoles.joined(separator: ", ")), not \(role)")
        }
        return try await Self.retryingConflicts {
            try await store.write { db in
                let now = db.clock.now
                var keys = try await signingKeys(db)
                let previousRoot = try Self.key(keys, "root")
                try await db.tuf.retireKeys(role: role, at: now)
                let key = try await newKey(db, role: role, at: now)
                keys[role] = key
                let version = (try await db.tuf.latest(role: "root")?.version ?? 0) + 1
                let signers = role == "root" ? [previousRoot, key] : [previousRoot]
                try await put(db, "root", try RepositorySigning.root(
                    version: version, keys: keys, signers: signers, expires: now + lifetimes.root), at: now)
                if role != "root" { try await republish(db, keys: keys, targets: role == "targets", at: now) }
                try await db.audit.append(AuditEvent(
                    .repositoryKeyRotated, actor: actor, subject: "tuf:\(role)", household: nil,
                    reason: "the \(role) role's key was replaced; root version \(version) names the new one",
                    details: ["role": role, "key_id": key.publicKey.id, "root_version": "\(version)"]))
                return key.publicKey.id
            }
        }
    }

    /// Re-seals every role key, retired ones too, under a new KEK; returns how many.
    static func reseal(_ db: StoreSession, from old: KeySealer, to new: KeySealer) async throws -> Int {
        let rows = try await db.tuf.allKeys()
        for row in rows {
            let plain = try old.open(row.privateSealed, name: sealName(row.keyID))
            try await db.tuf.updateSealed(id: row.keyID, try new.seal(plain, name: sealName(row.keyID)))
        }
        return rows.count
    }

    // MARK: internals

    private func newKey(_ db: StoreSession, role: String, at now: Date) async throws -> TUFSigningKey {
        let key = TUFSigningKey.generate()
        try await db.tuf.insertKey(
            id: key.publicKey.id, role: role, sealed: try sealer.seal(key.pkcs8, name: Self.sealName(key.publicKey.id)), at: now)
        return key
    }

    func signingKeys(_ db: StoreSession) async throws -> [String: TUFSigningKey] {
        var keys: [String: TUFSigningKey] = [:]
        for row in try await db.tuf.activeKeys() {
            keys[row.role] = try TUFSigningKey(pkcs8: try sealer.open(row.privateSealed, name: Self.sealName(row.keyID)))
        }
        return keys
    }

    private static func key(_ keys: [String: TUFSigningKey], _ role: String) throws -> TUFSigningKey {
        guard let key = keys[role] else { throw HearthError(.notInitialized, "the firmware repository has no \(role) key") }
        return key
    }

    /// Stores a new version; another node storing the same version first is a conflict to retry.
    func put(_ db: StoreSession, _ role: String, _ metadata: SignedMetadata, at now: Date) async throws {
        let expires = (try? MetadataHeader(metadata.signed, type: metadata.signed["_type"]?.string ?? ""))?.expires ?? now
        let version = metadata.signed["version"]?.integer ?? 0
        guard try await db.tuf.insertMetadata(role: role, version: version, body: metadata.bytes, expiresAt: expires, at: now) else {
            throw HearthError(.conflict, "\(role) version \(version) was written meanwhile")
        }
    }

    /// Every maker with keys and models, as the top-level targets delegates to it.
    static func delegations(_ db: StoreSession) async throws -> [MakerDelegation] {
        let keys = try await db.firmware.keys(), models = try await db.firmware.models()
        return try await db.firmware.makers().map { maker in
            MakerDelegation(
                maker: maker.id, keys: try (keys[maker.id] ?? []).map { try TUFKey(json: try JSONValue(parsing: Array($0.utf8))) },
                threshold: maker.threshold, models: models[maker.id] ?? [])
        }
    }

    /// Runs `body` again when another node wrote the same version first (PostgreSQL).
    static func retryingConflicts<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        var attempts = 1
        while true {
            do { return try await body() } catch let error as HearthError where error.code == .conflict && attempts < 5 {
                attempts += 1
            }
        }
    }
}
