import Foundation
import HearthCore
import HearthPrivacy
import HearthTesting
import Testing

/// FlowSchema against python-jsonschema's Draft202012Validator (scripts/test-tools/
/// jsonschema_oracle.py) on generated schema/payload pairs: every verdict must agree.
///
/// The generator keeps to what both can judge alike: numbers within ±1e15 (so doubles compare
/// as Python's ints do), patterns from `GeneratedSchema.patterns`, strings without newlines.
/// `HEARTH_SCHEMA_SEED` replays a run; the seed is printed with any disagreement.
@Suite(.requires(.pythonModule("jsonschema"))) struct SchemaDifferentialTests {
    static let oracle = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-tools/jsonschema_oracle.py").path

    struct Pair: Sendable {
        let schema: String
        let instance: String
    }

    @Test func flowSchemaAgreesWithJSONSchemaOnGeneratedPairs() async throws {
        let seed = ProcessInfo.processInfo.environment["HEARTH_SCHEMA_SEED"].flatMap { UInt64($0) } ?? 0x5C4E_3A20_2012
        // Generating and checking 12,000 pairs is a minute of computing in a debug build: on a
        // thread of its own, not the pool that the suite's hubs run on.
        let (pairs, coverage) = try await OwnThread.run {
            var generator = SchemaGenerator(seed: seed)
            var pairs: [Pair] = []
            while pairs.count < 12_000 {
                let schema = generator.schema()
                for _ in 0..<3 { pairs.append(Pair(schema: schema.text, instance: generator.instance(for: schema).text)) }
            }
            return (pairs, generator.coverage)
        }

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schema-pairs-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = pairs.map { "{\"schema\":\($0.schema),\"instance\":\($0.instance)}" }.joined(separator: "\n") + "\n"
        try Data(lines.utf8).write(to: file)
        let result = try await ProcessRunner.run("/usr/bin/env", ["python3", Self.oracle, file.path])
        try #require(result.status == 0, "jsonschema_oracle.py failed: \(result.standardError)")
        let expected = result.standardOutput.split(separator: "\n").map(String.init)
        try #require(expected.count == pairs.count, "the oracle gave \(expected.count) verdicts for \(pairs.count) pairs")

        let (disagreements, verdicts) = try await OwnThread.run {
            var disagreements: [String] = []
            var verdicts: [String: Int] = [:]
            for (pair, oracle) in zip(pairs, expected) {
                let ours = Self.verdict(pair)
                verdicts[ours, default: 0] += 1
                if ours != oracle {
                    disagreements.append("schema \(pair.schema)\n  instance \(pair.instance)\n  jsonschema: \(oracle), FlowSchema: \(ours)")
                }
            }
            return (disagreements, verdicts)
        }
        let disagreeing = disagreements.count
        print("jsonschema differential: \(pairs.count) pairs, \(disagreeing) disagreements")
        #expect(disagreeing == 0, "seed \(seed): \(disagreements.count) disagreements; the first ones:\n\(disagreements.prefix(8).joined(separator: "\n"))")

        // The pairs must be worth comparing: both verdicts common, every keyword exercised.
        let valid = verdicts["valid", default: 0]
        let invalid = verdicts["invalid", default: 0]
        #expect(valid > pairs.count / 4, "\(verdicts)")
        #expect(invalid > pairs.count / 4, "\(verdicts)")
        let keywords = [
            "type", "properties", "required", "additionalProperties", "enum", "const", "minimum", "maximum",
            "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "true-schema", "false-schema",
            "title", "description", "$comment", "$schema",
        ]
        for keyword in keywords {
            let generated = coverage.keywords[keyword, default: 0]
            #expect(generated >= 30, "\(keyword) generated \(generated) times")
        }
    }

    static func verdict(_ pair: Pair) -> String {
        guard let schema = try? FlowSchema(json: Array(pair.schema.utf8)) else { return "schema-error" }
        guard let instance = try? JSONDocument(pair.instance) else { return "instance-not-json" }
        return schema.validate(instance) == nil ? "valid" : "invalid"
    }
}
