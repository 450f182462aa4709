import HearthPrivacy

/// Telemetry payloads through a declared flow: Hearth's own JSON scanner, the schema validator and
/// the minimizer, as the broker runs them on every PUBLISH to a declared topic. What is forwarded
/// must be JSON that the scanner accepts again, and what the one pass for flat payloads decides
/// must be what the general path forwards.
enum TelemetryFuzzTarget {
    static let target = FuzzTarget(name: "telemetry", summary: "telemetry payloads through a declared flow (first byte: which flow)") { bytes in
        let input = FuzzInput(bytes)
        var window: AggregationWindow?
        let pipeline = input.pick(pipelines)
        if let flat = pipeline.flat {
            FuzzInvariant.check(onePassAgrees(pipeline, flat, input.rest.split(separator: 0, omittingEmptySubsequences: false)),
                                "the one pass forwarded what the general path does not")
        }
        let verdict = input.rest.withUnsafeBytes { pipeline.process($0, at: FuzzFixtures.now, window: &window) }
        switch verdict {
        case .forward(let forwarded), .absorbed(emitted: .some(let forwarded)):
            FuzzInvariant.check((try? JSONDocument(forwarded)) != nil, "a flow forwarded bytes that are not JSON")
            return true
        case .absorbed(emitted: nil):
            return true
        case .refused:
            return false
        }
    }

    /// Whether the one pass, when it decides, forwards exactly what the general path does: for
    /// each payload (the input, split at its zero bytes, which no JSON text has), one after
    /// another and then all again, with one memo of what it learned of the payload before.
    static func onePassAgrees(_ pipeline: FlowPipeline, _ flat: FlatObjectPass, _ payloads: [ArraySlice<UInt8>]) -> Bool {
        let memo = MemberMemo()
        for payload in payloads + payloads {
            let agrees = payload.withUnsafeBytes { bytes in
                pipeline.onePassOutput(bytes, flat, memo: memo).map { $0 == pipeline.generalOutput(bytes) } ?? true
            }
            if !agrees { return false }
        }
        return true
    }

    /// Flows that use each kind of schema keyword and minimization rule.
    static let pipelines: [FlowPipeline] = declarations.map { schema, minimize in
        let text = """
            {"name": "fuzz", "class": "functional", "purpose": "fuzzing", "schema": \(schema),
             "minimize": \(minimize), "retention": "7d", "recipients": {"apps": true}}
            """
        do {
            return FlowPipeline(try FlowDeclaration(json: Array(text.utf8)))
        } catch {
            fatalError("a fuzz flow declaration is refused: \(error)")
        }
    }

    private static let declarations: [(schema: String, minimize: String)] = [
        ("true", "[]"),
        (#"{"type": "object", "properties": {"temp": {"type": "number", "minimum": -40, "maximum": 60}, "id": {"type": "string", "maxLength": 32}}, "required": ["temp"]}"#,
         #"[{"drop": ["id"]}, {"round": {"path": "temp", "to": 0.5}}]"#),
        (#"{"type": "object", "properties": {"readings": {"type": "array", "items": {"type": "integer"}, "maxItems": 16}, "at": {"type": "string"}}, "additionalProperties": false}"#,
         #"[{"keep": ["readings", "at"]}, {"coarsen": {"path": "at", "period": "1h"}}]"#),
        (#"{"type": "object", "properties": {"power": {"type": "number"}}}"#,
         #"[{"aggregate": {"window": "5m", "fields": {"power": "mean", "wh": "sum"}}}]"#),
        (#"{"type": "object", "properties": {"ssid": {"type": "string", "pattern": "^[a-z]+$"}, "on": {"type": "boolean"}, "mode": {"enum": ["eco", "boost", null]}}}"#,
         #"[{"redact": {"paths": ["ssid"], "patterns": ["^SN-"], "builtin": ["mac-address", "email", "ipv4"]}}]"#),
    ]
}
