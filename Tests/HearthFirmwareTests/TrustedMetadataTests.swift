import Foundation
import HearthCore
import HearthFirmware
import Testing

/// The device's TUF client checks (``TrustedMetadata``) against a repository signed in memory the
/// way the hub signs it (``RepositorySigning``): a good chain is trusted; each attack is refused.
@Suite struct TrustedMetadataTests {
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    let keys: [String: TUFSigningKey] = Dictionary(uniqueKeysWithValues: RootRole.topLevelRoles.map { ($0, TUFSigningKey.generate()) })
    let maker = TUFSigningKey.generate(.ecdsaP256)

    /// One state of the repository: every file, as the hub would serve it.
    struct Repository {
        var root: SignedMetadata
        var targets: SignedMetadata
        var maker: SignedMetadata
        var snapshot: SignedMetadata
        var timestamp: SignedMetadata
    }

    func repository(version: Int64, makerVersion: Int64, releases: [FirmwareRelease], expires: TimeInterval = 86_400) throws -> Repository {
        let root = try RepositorySigning.root(version: 1, keys: keys, signers: [keys["root"]!], expires: now + 365 * 86_400)
        let delegation = MakerDelegation(maker: "acme", keys: [maker.publicKey], threshold: 1, models: ["lamp-x"])
        let targets = try RepositorySigning.targets(version: version, makers: [delegation], key: keys["targets"]!, expires: now + 90 * 86_400)
        let role = TargetsRole(
            version: makerVersion, expires: now + 365 * 86_400,
            targets: Dictionary(uniqueKeysWithValues: releases.map { ($0.path, $0.target) }))
        let makerFile = try SignedMetadata(signing: role.signed, with: [maker])
        let snapshot = try RepositorySigning.snapshot(
            version: version, targetsVersion: version, makerVersions: ["maker-acme": makerVersion], key: keys["snapshot"]!,
            expires: now + 7 * 86_400)
        let timestamp = try RepositorySigning.timestamp(
            version: version, snapshot: snapshot.bytes, snapshotVersion: version, key: keys["timestamp"]!, expires: now + expires)
        return Repository(root: root, targets: targets, maker: makerFile, snapshot: snapshot, timestamp: timestamp)
    }

    func release(_ version: String, security: Int64) throws -> FirmwareRelease {
        try MakerSigning.release(
            image: Array("image \(version)".utf8), fileName: "lamp-x-\(version).bin", model: "lamp-x", version: version,
            securityVersion: security, notes: "")
    }

    func walk(_ trusted: inout TrustedMetadata, _ repository: Repository) throws(TUFError) {
        try trusted.checkRootNotExpired()
        try trusted.updateTimestamp(repository.timestamp.bytes)
        try trusted.updateSnapshot(repository.snapshot.bytes)
        try trusted.updateTargets(repository.targets.bytes)
        try trusted.updateDelegated(repository.maker.bytes, role: "maker-acme")
    }

    @Test func aGoodChainIsTrustedDownToTheImage() throws {
        let first = try release("1.0", security: 1)
        let repository = try repository(version: 1, makerVersion: 1, releases: [first])
        var trusted = try TrustedMetadata(root: repository.root.bytes, at: now)
        try walk(&trusted, repository)
        #expect(trusted.delegation(for: "lamp-x/anything")?.name == "maker-acme")
        let target = try #require(trusted.target(first.path))
        try TrustedMetadata.checkImage(Array("image 1.0".utf8), target, path: first.path)
        #expect(throws: TUFError.self) { try TrustedMetadata.checkImage(Array("image 1.1".utf8), target, path: first.path) }
    }

    @Test func rollbackFreezeAndForeignSignaturesAreRefused() throws {
        let old = try repository(version: 1, makerVersion: 1, releases: [try release("1.0", security: 1)])
        let new = try repository(version: 2, makerVersion: 2, releases: [try release("1.0", security: 1), try release("1.1", security: 2)])
        var trusted = try TrustedMetadata(root: new.root.bytes, at: now)
        try walk(&trusted, new)
        // The old timestamp replayed after the new one: a rollback.
        #expect(throws: TUFError.self) { try trusted.updateTimestamp(old.timestamp.bytes) }
        // Across a restart too: the kept files are the floor.
        var restarted = try TrustedMetadata(root: new.root.bytes, at: now)
        restarted.restore(timestamp: trusted.files["timestamp"], snapshot: trusted.files["snapshot"])
        #expect(throws: TUFError.self) { try restarted.updateTimestamp(old.timestamp.bytes) }
        // A snapshot other than the one the timestamp pinned.
        var fresh = try TrustedMetadata(root: new.root.bytes, at: now)
        try fresh.updateTimestamp(new.timestamp.bytes)
        #expect(throws: TUFError.self) { try fresh.updateSnapshot(old.snapshot.bytes) }
        // The maker's role signed by a stranger, and the top-level targets signed by the maker.
        try fresh.updateSnapshot(new.snapshot.bytes)
        try fresh.updateTargets(new.targets.bytes)
        let forged = try SignedMetadata(signing: new.maker.signed, with: [TUFSigningKey.generate()])
        #expect(throws: TUFError.unsigned(role: "maker-acme", valid: 0, threshold: 1)) { try fresh.updateDelegated(forged.bytes, role: "maker-acme") }
        let targetsByMaker = try SignedMetadata(signing: new.targets.signed, with: [maker])
        #expect(throws: TUFError.self) { try fresh.updateTargets(targetsByMaker.bytes) }
        // Expired metadata: a device whose clock is past the timestamp's expiry (a frozen mirror).
        var late = try TrustedMetadata(root: new.root.bytes, at: now + 2 * 86_400)
        #expect(throws: TUFError.expired(role: "timestamp", expires: TUFTime.format(now + 86_400))) {
            try late.updateTimestamp(new.timestamp.bytes)
        }
    }

    @Test func aRotatedRootIsFollowedAndAnUnsignedOneRefused() throws {
        let repository = try repository(version: 1, makerVersion: 1, releases: [try release("1.0", security: 1)])
        var trusted = try TrustedMetadata(root: repository.root.bytes, at: now)
        var rotated = keys
        rotated["root"] = TUFSigningKey.generate()
        let v2 = try RepositorySigning.root(version: 2, keys: rotated, signers: [keys["root"]!, rotated["root"]!], expires: now + 86_400 * 365)
        let notByOld = try RepositorySigning.root(version: 2, keys: rotated, signers: [rotated["root"]!], expires: now + 86_400 * 365)
        #expect(throws: TUFError.self) { try trusted.updateRoot(notByOld.bytes) }
        try trusted.updateRoot(v2.bytes)
        #expect(trusted.root.header.version == 2)
        let skipped = try RepositorySigning.root(version: 4, keys: rotated, signers: [rotated["root"]!], expires: now + 86_400 * 365)
        #expect(throws: TUFError.self) { try trusted.updateRoot(skipped.bytes) }
    }
}
