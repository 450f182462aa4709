import Foundation
import HearthCore
import HearthTesting
import Testing

/// `hearth firmware …` as an operator and a maker type it (docs/firmware.md): a key, a signed
/// release published, the repository's files, a requirement, a withdrawal, a key rotation; a
/// release signed by a key the maker does not have is refused with the reason.
@Suite struct FirmwareCommandLineTests {
    typealias Workspace = PKILifecycleTests.Workspace

    /// `hearth <arguments>` without a data folder (the maker's commands): status and output.
    static func maker(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(HearthProcess.binaryPath, arguments)
    }

    @Test func aMakerSignsAndAnOperatorPublishesFromTheCommandLine() async throws {
        let space = try Workspace("firmware-cli")
        defer { try? FileManager.default.removeItem(at: space.root) }
        try await space.hearth(["init", "--owner", "owner@example.org"])
        for name in ["acme", "stranger"] {
            let made = try await Self.maker(["firmware", "keygen", "--out", space.path(name)])
            #expect(made.status == 0 && made.standardOutput.contains("keep it secret"), "\(made.standardError)")
        }
        try Data(SecureRandom.bytes(2048)).write(to: URL(fileURLWithPath: space.path("lamp-x-1.0.bin")))
        let added = try await space.hearth(["firmware", "makers", "add", "--id", "acme", "--name", "Acme", "--key", space.path("acme.pub"), "--model", "lamp-x"])
        #expect(added.contains("maker-acme"), "\(added)")

        // Signed by a key the maker does not have: refused, with the reason.
        let forged = try await Self.maker([
            "firmware", "sign", "--key", space.path("stranger.key"), "--image", space.path("lamp-x-1.0.bin"), "--model", "lamp-x",
            "--version", "1.0", "--security-version", "1", "--out", space.path("forged.json"),
        ])
        #expect(forged.status == 0, "\(forged.standardError)")
        let refused = try await space.run(["firmware", "publish", "--maker", "acme", "--metadata", space.path("forged.json"), "--image", space.path("lamp-x-1.0.bin")])
        #expect(refused.status != 0 && refused.standardError.contains("valid signature"), "\(refused.standardError)")

        let signed = try await Self.maker([
            "firmware", "sign", "--key", space.path("acme.key"), "--image", space.path("lamp-x-1.0.bin"), "--model", "lamp-x",
            "--version", "1.0", "--security-version", "1", "--notes", "first", "--out", space.path("signed.json"),
        ])
        #expect(signed.status == 0, "\(signed.standardError)")
        let published = try await space.hearth(["firmware", "publish", "--maker", "acme", "--metadata", space.path("signed.json"), "--image", space.path("lamp-x-1.0.bin")])
        #expect(published.contains("lamp-x/lamp-x-1.0.bin  1.0  security version 1"), "\(published)")
        #expect(try await space.hearth(["firmware", "releases"]).contains("published"))
        let root = try await space.hearth(["firmware", "metadata", "root.json"])
        #expect(root.contains(#""_type":"root""#), "\(root.prefix(200))")

        let required = try await space.hearth(["firmware", "posture", "set", "--household-wide", "--minimum-security-version", "2"])
        #expect(required.contains("requires security version 2 for household"), "\(required)")
        #expect(try await space.hearth(["firmware", "posture", "remove", "--household-wide"]).contains("no firmware requirements"))
        let withdrawn = try await space.hearth(["firmware", "withdraw", "lamp-x", "1.0", "--reason", "CVE-0"])
        #expect(withdrawn.contains(#""withdrawn_reason" : "CVE-0""#), "\(withdrawn)")
        #expect(try await space.hearth(["firmware", "rotate", "timestamp"]).contains("the timestamp role's key is now"))
        let noFleet = try await space.run(["firmware", "campaign", "start", "--model", "lamp-x", "--version", "1.0"])
        #expect(noFleet.status != 0 && noFleet.standardError.contains("no published release"), "\(noFleet.standardError)")
    }
}
