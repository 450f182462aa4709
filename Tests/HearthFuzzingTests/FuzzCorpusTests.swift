import Foundation
import HearthFuzzing
import HearthTesting
import Testing

/// The committed corpus and every input a fuzzer run found (`Fuzz/regressions/<target>`), replayed
/// through the same targets without libFuzzer: a fixed finding stays fixed. On threads of their
/// own (``OwnThread``): a target blocks its caller while its async checks run, as libFuzzer's
/// callback must, which on the cooperative pool could starve them.
@Suite struct FuzzCorpusTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: String) throws -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func theCorpusAndTheRegressionsReplayCleanly(target name: String) async throws {
        let target = try #require(FuzzTargets.named(name))
        let corpus = try Self.inputs("corpus", name)
        #expect(!corpus.isEmpty, "every target has a committed seed corpus")
        let inputs = corpus + (try Self.inputs("regressions", name))
        try await OwnThread.run {
            for file in inputs { _ = target.run(Array(try Data(contentsOf: file))) }
        }
    }

    /// The seeds are what the committed corpus started from: each is accepted all the way, so the
    /// fuzzer starts past every target's first checks (a seed the parser refuses teaches it little).
    @Test func everySeedIsAcceptedByItsTarget() async throws {
        let seeds = try FuzzSeeds.all()
        #expect(Set(seeds.map(\.target)) == Set(FuzzTargets.all.map(\.name)))
        for (name, inputs) in seeds {
            let target = try #require(FuzzTargets.named(name))
            #expect(!inputs.isEmpty)
            for (label, bytes) in inputs {
                let accepted = try await OwnThread.run { target.run(bytes) }
                #expect(accepted, "\(name) refuses its seed \(label)")
            }
        }
    }
}
