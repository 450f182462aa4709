import Foundation
import HearthAudit
import HearthCore
import HearthFirmware
import HearthStore

/// Firmware (docs/firmware.md): makers and their release keys, the releases they sign, and the
/// TUF repository that serves them to devices. An operator registers makers and publishes what a
/// maker signed; nothing here signs a release on a maker's behalf.
public struct FirmwareService: Sendable {
    package let store: Store
    package let repository: TUFRepository
    package let images: FirmwareImages

    package init(store: Store, sealer: KeySealer, imageFolder: String?, lifetimes: RepositoryLifetimes = RepositoryLifetimes()) {
        self.store = store
        repository = TUFRepository(store: store, sealer: sealer, lifetimes: lifetimes)
        images = FirmwareImages(store: store, folder: imageFolder)
    }

    // MARK: makers

    public struct MakerView: Sendable, Hashable, Encodable {
        public let id: String
        public let name: String
        /// The delegated role that signs its releases (`<role>.json` in the repository).
        public let role: String
        public let threshold: Int
        public let keyIDs: [String]
        public let models: [String]

        enum CodingKeys: String, CodingKey { case id, name, role, threshold, keyIDs = "key_ids", models }
    }

    /// Registers a maker with its release keys (TUF key JSON, or a PEM public key) and models.
    public func registerMaker(
        id: String, name: String, keys: [TUFKey], threshold: Int = 1, models: [String], actor: AuditActor
    ) async throws -> MakerView {
        guard FirmwareRelease.isName(id[...], maximum: 40), id == id.lowercased() else {
            throw HearthError(.invalidInput, "a maker id is lower-case letters, digits, . _ - (at most 40)")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.utf8.count <= 200 else {
            throw HearthError(.invalidInput, "a maker's name is 1 to 200 bytes")
        }
        guard !keys.isEmpty, (1...keys.count).contains(threshold) else {
            throw HearthError(.invalidInput, "a maker needs at least one key, and a threshold from 1 to its number of keys")
        }
        try Self.checkModels(models)
        try await repository.initialize()
        try await TUFRepository.retryingConflicts {
            try await store.write { db in
                let now = db.clock.now
                try await db.firmware.insertMaker(.init(id: id, name: name, threshold: threshold, createdAt: now))
                for key in keys { try await db.firmware.insertKey(id: key.id, maker: id, json: Self.text(key.json), at: now) }
                for model in models { try await db.firmware.insertModel(model, maker: id, at: now) }
                try await repository.republish(db, targets: true, at: now)
                try await db.audit.append(AuditEvent(
                    .makerRegistered, actor: actor, subject: "maker:\(id)", household: nil, reason: "a firmware maker was registered",
                    details: ["name": name, "keys": keys.map(\.id).joined(separator: ","), "models": models.joined(separator: ",")]))
            }
        }
        return try await maker(id)
    }

    /// Adds a release key, or a model, to a maker; removes a key (its releases signed before
    /// stay trusted only if other keys re-sign them: TUF checks the current delegation).
    public func changeMaker(
        _ id: String, addKeys: [TUFKey] = [], removeKeyIDs: [String] = [], addModels: [String] = [], actor: AuditActor
    ) async throws -> MakerView {
        try Self.checkModels(addModels)
        try await TUFRepository.retryingConflicts {
            try await store.write { db in
                let now = db.clock.now
                guard let maker = try await db.firmware.maker(id) else { throw HearthError(.notFound, "no maker \(id)") }
                for key in addKeys { try await db.firmware.insertKey(id: key.id, maker: id, json: Self.text(key.json), at: now) }
                for keyID in removeKeyIDs where try await !db.firmware.removeKey(id: keyID, maker: id) {
                    throw HearthError(.notFound, "maker \(id) has no key \(keyID)")
                }
                guard (try await db.firmware.keys()[id]?.count ?? 0) >= maker.threshold else {
                    throw HearthError(.invalidInput, "maker \(id) would have fewer keys than its threshold \(maker.threshold)")
                }
                for model in addModels { try await db.firmware.insertModel(model, maker: id, at: now) }
                try await repository.republish(db, targets: true, at: now)
                try await db.audit.append(AuditEvent(
                    .makerChanged, actor: actor, subject: "maker:\(id)", household: nil, reason: "the maker's delegation changed",
                    details: [
                        "added_keys": addKeys.map(\.id).joined(separator: ","), "removed_keys": removeKeyIDs.joined(separator: ","),
                        "added_models": addModels.joined(separator: ","),
                    ]))
            }
        }
        return try await maker(id)
    }

    public func makers() async throws -> [MakerView] {
        try await store.read { db in
            let keys = try await db.firmware.keys(), models = try await db.firmware.models()
            return try await db.firmware.makers().map { maker in
                MakerView(
                    id: maker.id, name: maker.name, role: MakerDelegation.roleName(maker.id), threshold: maker.threshold,
                    keyIDs: try (keys[maker.id] ?? []).map { try TUFKey(json: try JSONValue(parsing: Array($0.utf8))).id },
                    models: models[maker.id] ?? [])
            }
        }
    }

    public func maker(_ id: String) async throws -> MakerView {
        guard let maker = try await makers().first(where: { $0.id == id }) else { throw HearthError(.notFound, "no maker \(id)") }
        return maker
    }

    private static func checkModels(_ models: [String]) throws {
        for model in models where !FirmwareRelease.isName(model[...], maximum: 64) {
            throw HearthError(.invalidInput, "a model name is letters, digits, . _ - (at most 64), not \(model)")
        }
    }

    static func text(_ json: JSONValue) -> String { String(decoding: json.jsonBytes, as: UTF8.self) }

    // MARK: releases

    public struct ReleaseView: Sendable, Hashable, Encodable {
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
        public let withdrawnAt: Date?
        public let withdrawnReason: String?

        init(_ row: FirmwareRecords.ReleaseRow) {
            path = row.path
            maker = row.maker
            model = row.model
            version = row.version
            securityVersion = row.securityVersion
            sha256 = row.sha256
            length = row.length
            notes = row.notes
            minimumHubVersion = row.minimumHubVersion
            publishedAt = row.publishedAt
            withdrawnAt = row.withdrawnAt
            withdrawnReason = row.withdrawnReason
        }

        enum CodingKeys: String, CodingKey {
            case path, maker, model, version, securityVersion = "security_version", sha256, length, notes
            case minimumHubVersion = "min_hub_version", publishedAt = "published_at", withdrawnAt = "withdrawn_at"
            case withdrawnReason = "withdrawn_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(maker, forKey: .maker)
            try c.encode(model, forKey: .model)
            try c.encode(version, forKey: .version)
            try c.encode(securityVersion, forKey: .securityVersion)
            try c.encode(sha256, forKey: .sha256)
            try c.encode(length, forKey: .length)
            try c.encode(notes, forKey: .notes)
            try c.encode(minimumHubVersion, forKey: .minimumHubVersion)
            try c.encode(RFC3339.format(publishedAt), forKey: .publishedAt)
            try c.encode(withdrawnAt.map(RFC3339.format), forKey: .withdrawnAt)
            try c.encode(withdrawnReason, forKey: .withdrawnReason)
        }
    }

    /// Publishes a maker's new targets metadata (`maker-<id>.json`, signed by the maker): checked
    /// against the maker's delegation and its previous version (``MakerPublication``), every new
    /// release's image already uploaded with the length and SHA-256 the maker signed. The
    /// repository's snapshot and timestamp then name it. Returns the releases it added.
    public func publish(maker id: String, metadata bytes: [UInt8], actor: AuditActor) async throws -> [ReleaseView] {
        let metadata: SignedMetadata
        do { metadata = try SignedMetadata(parsing: bytes) } catch { throw HearthError(.invalidInput, "\(error)") }
        try await repository.initialize()
        return try await TUFRepository.retryingConflicts {
            try await store.write { db in
                let now = db.clock.now
                guard try await db.firmware.maker(id) != nil,
                      let delegation = try await TUFRepository.delegations(db).first(where: { $0.maker == id })
                else { throw HearthError(.notFound, "no maker \(id)") }
                let role = delegation.roleName
                let previous = try await db.tuf.latest(role: role).map { row throws(HearthError) in
                    do { return try TargetsRole(try SignedMetadata(parsing: row.body).signed) } catch {
                        throw HearthError(.storageUnavailable, "the stored \(role) metadata does not read: \(error)")
                    }
                }
                let keys = Dictionary(delegation.keys.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                let publication: MakerPublication
                do {
                    publication = try MakerPublication(metadata, delegation: delegation.delegation, keys: keys, previous: previous, at: now)
                } catch { throw HearthError(.invalidInput, "\(error)") }
                for release in publication.added {
                    guard let image = try await db.firmware.image(sha256: release.sha256), image.length == release.length else {
                        throw HearthError(
                            .invalidInput, "upload the image of \(release.path) first (\(release.length) bytes, SHA-256 \(release.sha256))")
                    }
                    if let minimum = release.minimumHubVersion, HubVersion.compare(HubVersion.current, minimum) == .orderedAscending {
                        throw HearthError(.invalidInput, "\(release.path) needs hub \(minimum); this hub is \(HubVersion.current)")
                    }
                }
                guard try await db.tuf.insertMetadata(
                    role: role, version: publication.role.header.version, body: metadata.bytes,
                    expiresAt: publication.role.header.expires, at: now)
                else { throw HearthError(.conflict, "\(role) version \(publication.role.header.version) was published meanwhile") }
                var added: [FirmwareRecords.ReleaseRow] = []
                for release in publication.added {
                    let row = FirmwareRecords.ReleaseRow(
                        path: release.path, maker: id, model: release.model, version: release.version,
                        securityVersion: release.securityVersion, sha256: release.sha256, length: Int64(release.length),
                        notes: release.notes, minimumHubVersion: release.minimumHubVersion, publishedAt: now)
                    try await db.firmware.insertRelease(row)
                    try await db.audit.append(AuditEvent(
                        .releasePublished, actor: actor, subject: "release:\(release.path)", household: nil,
                        reason: "maker \(id) published \(release.model) \(release.version)",
                        details: [
                            "maker": id, "model": release.model, "version": release.version,
                            "security_version": "\(release.securityVersion)", "sha256": release.sha256,
                            "role_version": "\(publication.role.header.version)",
                        ]))
                    added.append(row)
                }
                // A first publication adds the maker's delegation to the top-level targets.
                try await repository.republish(db, targets: previous == nil, at: now)
                return added.map(ReleaseView.init)
            }
        }
    }

    /// A published release's image by its consistent-snapshot name, `<sha256>.<file>` under
    /// `<model>/`; nil for anything that names no published release.
    public func target(model: String, file: String) async throws -> [UInt8]? {
        let parts = file.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].utf8.count == 64 else { return nil }
        let sha256 = String(parts[0]), path = "\(model)/\(parts[1])"
        let published = try await store.read { db in
            try await db.firmware.releases(model: model).contains { $0.path == path && $0.sha256 == sha256 }
        }
        guard published else { return nil }
        return try await images.get(sha256: sha256)
    }

    public func releases(model: String? = nil) async throws -> [ReleaseView] {
        try await store.read { db in try await db.firmware.releases(model: model).map(ReleaseView.init) }
    }

    /// Withdraws a release as vulnerable: devices running it are out of posture (docs/firmware.md).
    public func withdraw(model: String, version: String, reason: String, actor: AuditActor) async throws -> ReleaseView {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.utf8.count <= 500 else { throw HearthError(.invalidInput, "say why, in 1 to 500 bytes") }
        return try await store.write { db in
            guard try await db.firmware.withdraw(model: model, version: version, reason: reason, at: db.clock.now) else {
                if try await db.firmware.release(model: model, version: version) == nil {
                    throw HearthError(.notFound, "no release \(version) of \(model)")
                }
                throw HearthError(.conflict, "release \(version) of \(model) was withdrawn already")
            }
            // Devices running it are out of posture now, on every node.
            try await db.accessChanges.bump()
            try await db.audit.append(AuditEvent(
                .releaseWithdrawn, actor: actor, subject: "release:\(model)/\(version)", household: nil, reason: reason,
                details: ["model": model, "version": version]))
            guard let row = try await db.firmware.release(model: model, version: version) else {
                throw HearthError(.notFound, "no release \(version) of \(model)")
            }
            return ReleaseView(row)
        }
    }
}
