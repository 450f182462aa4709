import Foundation
import HearthPrivacy
import Testing

@Suite struct FlowPipelineTests {
    let pipeline: FlowPipeline

    init() throws {
        let schema = #"{"type": "object", "properties": {"temp": {"type": "number", "maximum": 60}, "id": {"type": "string"}}}"#
        pipeline = FlowPipeline(try FlowFixtures.declaration(schema: schema, minimize: #"[{"drop": ["id"]}]"#))
    }

    func verdict(_ payload: String) -> TelemetryVerdict {
        var window: AggregationWindow?
        return FlowFixtures.process(pipeline, payload, window: &window)
    }

    @Test func notJSONIsRefusedWithoutQuotingIt() {
        for payload in [#"{"id": "SECRET-42""#, "", #"{"id": 'SECRET-42'}"#, #"{"temp": 1,}"#] {
            guard case .refused(let refusal) = verdict(payload) else {
                Issue.record("accepted \(payload)")
                continue
            }
            #expect(refusal.kind == .notJSON)
            #expect(refusal.reason.hasPrefix("payload is not JSON: "))
            #expect(!refusal.reason.contains("SECRET"))
        }
    }

    @Test func schemaViolationsAreRefusedWithTheirLocation() {
        guard case .refused(let refusal) = verdict(#"{"temp": 61, "id": "SECRET-42"}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.kind == .schema)
        #expect(refusal.reason == "payload does not match the flow's schema: /temp: maximum 60 exceeded")
        #expect(refusal.violation?.pointer == "/temp")
        guard case .refused(let typed) = verdict(#"{"id": 42}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(typed.reason.hasSuffix("/id: not of type string"))
    }

    @Test func validPayloadsAreForwardedMinimized() {
        guard case .forward(let bytes) = verdict(#"{"temp": 21.5, "id": "SECRET-42"}"#) else {
            Issue.record("not forwarded")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"temp": 21.5}"#)
    }
}
