import Foundation
import HearthCore
import HearthPrivacy
import Testing

/// Windows aligned to the epoch, rolled over by payloads and flushed by time.
@Suite struct AggregationTests {
    static let start = 1_800_000_000  // a multiple of 900
    static func time(_ offset: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(start + offset)) }
    static func rfc3339(_ offset: Int) -> String { RFC3339.format(time(offset)) }

    let pipeline: FlowPipeline

    init() throws {
        let schema = #"{"type": "object", "required": ["watts"], "properties": {"watts": {"type": "number"}}}"#
        let rules = #"""
            [{"round": {"path": "peak", "to": 0.5}},
             {"aggregate": {"window": "15m", "fields": {"watts": "mean", "wh": "sum", "peak": "max", "low": "min", "state": "last",
                                                         "err": "count", "meter.v": "mean"}}}]
            """#
        pipeline = FlowPipeline(try FlowFixtures.declaration(schema: schema, minimize: rules))
        #expect(pipeline.declaration.aggregates)
    }

    func absorb(_ payload: String, at offset: Int, _ window: inout AggregationWindow?) -> [UInt8]?? {
        guard case .absorbed(let emitted) = FlowFixtures.process(pipeline, payload, at: Self.time(offset), window: &window) else { return nil }
        return .some(emitted)
    }

    @Test func aPayloadInTheNextWindowEmitsThePreviousOne() throws {
        var window: AggregationWindow?
        #expect(absorb(#"{"watts": 10, "wh": 1, "peak": 5.1, "low": -1, "state": "on", "err": "E1", "meter": {"v": 1}}"#, at: 10, &window) == .some(nil))
        #expect(absorb(#"{"watts": 20, "wh": 2, "peak": 7.4, "low": 0, "state": "off"}"#, at: 100, &window) == .some(nil))
        #expect(absorb(#"{"watts": 33, "wh": 3, "peak": "n/a", "low": 2, "state": {"a": [1]}, "err": null}"#, at: 899, &window) == .some(nil))
        #expect(window?.samples == 3)
        // Refused payloads are not counted.
        #expect({ if case .refused = FlowFixtures.process(pipeline, #"{"wh": 1}"#, at: Self.time(500), window: &window) { true } else { false } }())
        #expect(window?.samples == 3)

        let emitted = try #require(absorb(#"{"watts": 1.5}"#, at: 900, &window) ?? nil)
        let text = String(decoding: emitted, as: UTF8.self)
        let expected = #"{"err":2,"low":-1,"meter.v":1,"peak":7.5,"state":{"a": [1]},"watts":21,"wh":6,"window_start":"\#(Self.rfc3339(0))","window_end":"\#(Self.rfc3339(900))","samples":3}"#
        #expect(text == expected)
        #expect(window?.samples == 1)
        #expect(window?.windowStart == Self.time(900))

        // The new window: a late payload (from the previous window) counts in it.
        #expect(absorb(#"{"watts": 2.5}"#, at: 899, &window) == .some(nil))
        let early = window!.flush(endingBy: Self.time(1799))
        #expect(early == nil)
        let flush = window!.flush(endingBy: Self.time(1800))
        let flushed = try #require(flush)
        #expect(String(decoding: flushed, as: UTF8.self) == #"{"err":0,"watts":2.0,"wh":0,"window_start":"\#(Self.rfc3339(900))","window_end":"\#(Self.rfc3339(1800))","samples":2}"#)
        let again = window!.flush(endingBy: Self.time(99999))
        #expect(again == nil)

        // After a flush, the next payload opens the window of its own time, whatever came before.
        #expect(absorb(#"{"watts": 4}"#, at: 5000, &window) == .some(nil))
        #expect(window?.windowStart == Self.time(4500))
        #expect(absorb(#"{"watts": 4}"#, at: 9000, &window)??.isEmpty == false)
    }

    @Test func windowsAreAlignedToTheEpoch() throws {
        var window: AggregationWindow?
        _ = absorb(#"{"watts": 1}"#, at: 1234, &window)
        #expect(window?.windowStart == Self.time(900))
        #expect(window?.windowEnd == Self.time(1800))
    }

    @Test func withoutAnAggregateTheWindowIsIgnored() throws {
        let plain = FlowPipeline(try FlowFixtures.declaration())
        var window: AggregationWindow?
        guard case .forward = FlowFixtures.process(plain, "{}", window: &window) else { throw Unexpected() }
        #expect(window == nil)
    }

    struct Unexpected: Error {}
}
