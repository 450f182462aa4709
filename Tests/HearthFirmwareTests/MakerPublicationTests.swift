import Foundation
import HearthCore
import HearthFirmware
import Testing

/// What the hub checks of a maker's targets metadata before serving it (docs/firmware.md).
@Suite struct MakerPublicationTests {
    let now = Date(timeIntervalSince1970: 1_900_000_000)
    let maker = TUFSigningKey.generate()
    var makers: MakerDelegation { MakerDelegation(maker: "acme", keys: [maker.publicKey], threshold: 1, models: ["lamp-x", "plug-y"]) }
    var keys: [String: TUFKey] { [maker.publicKey.id: maker.publicKey] }

    func release(_ version: String, model: String = "lamp-x", security: Int64 = 1, image: String = "image") throws -> FirmwareRelease {
        try MakerSigning.release(
            image: Array((image + version).utf8), fileName: "\(model)-\(version).bin", model: model, version: version,
            securityVersion: security, notes: "fixes")
    }

    func publish(_ metadata: SignedMetadata, after previous: TargetsRole? = nil) throws -> MakerPublication {
        try MakerPublication(metadata, delegation: makers.delegation, keys: keys, previous: previous, at: now)
    }

    @Test func aSignedReleaseForTheMakersModelIsAcceptedAndTheNextKeepsIt() throws {
        let first = try publish(try MakerSigning.next(previous: nil, adding: [try release("1.0")], expires: now + 86_400, keys: [maker]))
        #expect(first.added.map(\.path) == ["lamp-x/lamp-x-1.0.bin"])
        #expect(first.added.first?.securityVersion == 1 && first.added.first?.notes == "fixes")
        let second = try publish(
            try MakerSigning.next(previous: first.role, adding: [try release("2.0", model: "plug-y", security: 2)], expires: now + 86_400, keys: [maker]),
            after: first.role)
        #expect(second.added.map(\.path) == ["plug-y/plug-y-2.0.bin"] && second.releases.count == 2)
        #expect(second.role.header.version == 2)
    }

    @Test func whatAMakerMayNotPublishIsRefused() throws {
        let first = try publish(try MakerSigning.next(previous: nil, adding: [try release("1.0")], expires: now + 86_400, keys: [maker]))
        let next = { (releases: [FirmwareRelease], key: TUFSigningKey, expires: Date) in
            try MakerSigning.next(previous: first.role, adding: releases, expires: expires, keys: [key])
        }
        // Signed by another key.
        #expect(throws: TUFError.unsigned(role: "maker-acme", valid: 0, threshold: 1)) {
            try publish(try next([try release("1.1")], TUFSigningKey.generate(), now + 86_400), after: first.role)
        }
        // A model the maker is not delegated for.
        #expect(throws: TUFError.self) { try publish(try next([try release("1.0", model: "door-z")], maker, now + 86_400), after: first.role) }
        // Expired already.
        #expect(throws: TUFError.self) { try publish(try next([try release("1.1")], maker, now - 1), after: first.role) }
        // Not above the published version.
        #expect(throws: TUFError.self) { try publish(first.metadata, after: first.role) }
        // A published release altered, or taken away.
        var altered = first.role
        altered.header.version = 2
        altered.targets["lamp-x/lamp-x-1.0.bin"]?.length += 1
        #expect(throws: TUFError.self) { try publish(try SignedMetadata(signing: altered.signed, with: [maker]), after: first.role) }
        var emptied = first.role
        emptied.header.version = 2
        emptied.targets = [:]
        #expect(throws: TUFError.self) { try publish(try SignedMetadata(signing: emptied.signed, with: [maker]), after: first.role) }
        // Two files claiming one version of a model; a target that says nothing of itself.
        var twice = first.role
        twice.header.version = 2
        twice.targets["lamp-x/other.bin"] = first.role.targets["lamp-x/lamp-x-1.0.bin"]
        #expect(throws: TUFError.self) { try publish(try SignedMetadata(signing: twice.signed, with: [maker]), after: first.role) }
        var bare = first.role
        bare.header.version = 2
        bare.targets["lamp-x/bare.bin"] = TargetFile(length: 3, sha256: String(repeating: "a", count: 64))
        #expect(throws: TUFError.self) { try publish(try SignedMetadata(signing: bare.signed, with: [maker]), after: first.role) }
    }

    @Test func delegatedPathsMatchAsTUFClientsMatchThem() {
        let delegation = makers.delegation
        #expect(delegation.paths == ["lamp-x/*", "plug-y/*"])
        #expect(delegation.covers("lamp-x/a.bin"))
        #expect(!delegation.covers("lamp-x/sub/a.bin") && !delegation.covers("lamp-x/") && !delegation.covers("lamp-xx/a.bin"))
        #expect(!delegation.covers("door-z/a.bin"))
    }

    @Test func roleMetadataIsSignedAgainBeforeItExpires() {
        let lifetimes = RepositoryLifetimes()
        #expect(!lifetimes.isDue("timestamp", expires: now + 86_400 * 0.6, at: now))
        #expect(lifetimes.isDue("timestamp", expires: now + 86_400 * 0.5, at: now))
        #expect(!lifetimes.isDue("root", expires: now + 365 * 86_400 * 0.3, at: now))
        #expect(lifetimes.isDue("root", expires: now + 365 * 86_400 * 0.2, at: now))
    }
}
