import Foundation
import HearthPrivacy
import Testing

/// Declarations and payloads for the minimization and pipeline tests.
enum FlowFixtures {
    static func declaration(schema: String = "true", minimize: String = "[]") throws -> FlowDeclaration {
        let text = #"""
            {"name": "energy", "class": "functional", "purpose": "Shows power use", "schema": \#(schema),
             "minimize": \#(minimize), "retention": "7d", "recipients": {"apps": true}}
            """#
        return try FlowDeclaration(json: Array(text.utf8))
    }

    static func process(
        _ pipeline: FlowPipeline, _ payload: String, at time: Date = Date(timeIntervalSince1970: 1_800_000_000),
        window: inout AggregationWindow?
    ) -> TelemetryVerdict {
        Array(payload.utf8).withUnsafeBytes { pipeline.process($0, at: time, window: &window) }
    }

    /// The forwarded bytes of `payload` through `minimize`, checked to be strict JSON.
    static func minimized(_ minimize: String, _ payload: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let pipeline = FlowPipeline(try declaration(minimize: minimize))
        var window: AggregationWindow?
        guard case .forward(let bytes) = process(pipeline, payload, window: &window) else {
            Issue.record("not forwarded", sourceLocation: sourceLocation)
            return ""
        }
        _ = try JSONDocument(bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Expects `payload` through `minimize` to be forwarded as `expected`.
    static func expect(
        _ minimize: String, _ payload: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let actual = try compact(minimized(minimize, payload, sourceLocation: sourceLocation))
        #expect(actual == expected, sourceLocation: sourceLocation)
    }

    /// `text` without whitespace between tokens, members in their order: minimization copies
    /// what it leaves alone as it came, whitespace included.
    static func compact(_ text: String) throws -> String {
        let document = try JSONDocument(text)
        return document.withView { view in
            var writer = JSONWriter()
            func write(_ index: Int) {
                switch view[index].kind {
                case .object:
                    writer.byte(UInt8(ascii: "{"))
                    for (offset, member) in view.members(of: index).enumerated() {
                        if offset > 0 { writer.byte(UInt8(ascii: ",")) }
                        writer.raw(view.text(of: member.key))
                        writer.byte(UInt8(ascii: ":"))
                        write(member.value)
                    }
                    writer.byte(UInt8(ascii: "}"))
                case .array:
                    writer.byte(UInt8(ascii: "["))
                    for (offset, element) in view.elements(of: index).enumerated() {
                        if offset > 0 { writer.byte(UInt8(ascii: ",")) }
                        write(element)
                    }
                    writer.byte(UInt8(ascii: "]"))
                default:
                    writer.raw(view.text(of: index))
                }
            }
            write(0)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }
}
