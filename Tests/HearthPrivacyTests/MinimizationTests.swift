import Foundation
import HearthCore
import HearthPrivacy
import Testing

/// Each rule on its own, then in combination.
@Suite struct MinimizationTests {
    let payload = #"{"serial": "AC-123", "watts": 21.74, "meter": {"id": "M-9", "v": 230}, "tags": ["a", "b"]}"#

    @Test func dropRemovesPathsAtAnyDepth() throws {
        try FlowFixtures.expect(#"[{"drop": ["serial", "meter.id"]}]"#, payload, #"{"watts":21.74,"meter":{"v":230},"tags":["a","b"]}"#)
        try FlowFixtures.expect(#"[{"drop": ["meter"]}]"#, payload, #"{"serial":"AC-123","watts":21.74,"tags":["a","b"]}"#)
        // Absent paths, and paths through values that are not objects, change nothing.
        try FlowFixtures.expect(#"[{"drop": ["nothing", "watts.x", "tags.a"]}]"#, payload, #"{"serial":"AC-123","watts":21.74,"meter":{"id":"M-9","v":230},"tags":["a","b"]}"#)
        // Names written with escapes are the same names.
        try FlowFixtures.expect(#"[{"drop": ["serial"]}]"#, #"{"\u0073erial": "X", "a": 1}"#, #"{"a":1}"#)
    }

    @Test func keepKeepsOnlyThePathsAndTheirAncestors() throws {
        try FlowFixtures.expect(#"[{"keep": ["watts", "meter.v"]}]"#, payload, #"{"watts":21.74,"meter":{"v":230}}"#)
        try FlowFixtures.expect(#"[{"keep": ["meter"]}]"#, payload, #"{"meter":{"id":"M-9","v":230}}"#)
        // An ancestor that is not an object does not survive: it is not what was kept.
        try FlowFixtures.expect(#"[{"keep": ["meter.v"]}]"#, #"{"meter": 5, "x": 1}"#, "{}")
        // Two keeps: what both keep.
        try FlowFixtures.expect(#"[{"keep": ["watts", "serial"]}, {"keep": ["watts", "tags"]}]"#, payload, #"{"watts":21.74}"#)
        // A payload that is not an object keeps nothing.
        try FlowFixtures.expect(#"[{"keep": ["watts"]}]"#, "[1]", "null")
    }

    @Test(arguments: [
        (21.4999, 0.5, "21.5"), (21.76, 0.5, "22"), (1234.567, 0.01, "1234.57"), (1234.567, 10, "1230"), (-2.25, 0.5, "-2.5"),
        (0.30000000000000004, 0.1, "0.3"), (7, 0.5, "7"), (0.125, 0.25, "0.25"), (1e-7, 1e-6, "0"), (123.456, 0.001, "123.456"),
        (1.0000001, 2.5, "0"), (3.75, 2.5, "5"), (99999999999.5, 1, "100000000000"),
    ])
    func roundWritesTheStepsDecimals(_ value: Double, _ step: Double, _ expected: String) throws {
        try FlowFixtures.expect(#"[{"round": {"path": "v", "to": \#(step)}}]"#, #"{"v": \#(value)}"#, #"{"v":\#(expected)}"#)
    }

    @Test func roundLeavesWhatIsNotANumberAlone() throws {
        try FlowFixtures.expect(#"[{"round": {"path": "v", "to": 0.5}}]"#, #"{"v": "21.3", "w": 1.3}"#, #"{"v":"21.3","w":1.3}"#)
        try FlowFixtures.expect(#"[{"round": {"path": "m.v", "to": 1}}]"#, #"{"m": {"v": 2.6}}"#, #"{"m":{"v":3}}"#)
        try FlowFixtures.expect(#"[{"round": {"path": "m.v", "to": 1}}]"#, #"{"m": [2.6]}"#, #"{"m":[2.6]}"#)
    }

    @Test func coarsenFloorsNumbersAndTimestamps() throws {
        let rule = #"[{"coarsen": {"path": "at", "period": "15m"}}]"#
        try FlowFixtures.expect(rule, #"{"at": 1700000123}"#, #"{"at":1700000100}"#)
        try FlowFixtures.expect(rule, #"{"at": 1700000123.75}"#, #"{"at":1700000100}"#)
        try FlowFixtures.expect(rule, #"{"at": -1}"#, #"{"at":-900}"#)
        try FlowFixtures.expect(rule, #"{"at": "2026-11-23T16:14:59.999Z"}"#, #"{"at":"2026-11-23T16:00:00Z"}"#)
        try FlowFixtures.expect(rule, #"{"at": "2026-11-23t17:04:31+01:00"}"#, #"{"at":"2026-11-23T16:00:00Z"}"#)
        try FlowFixtures.expect(rule, #"{"at": "1969-12-31T23:59:59Z"}"#, #"{"at":"1969-12-31T23:45:00Z"}"#)
        try FlowFixtures.expect(#"[{"coarsen": {"path": "at", "period": "1d"}}]"#, #"{"at": "2024-02-29T23:59:59-05:00"}"#, #"{"at":"2024-03-01T00:00:00Z"}"#)
        // Not a timestamp: left alone.
        for text in ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-23T16:14:59", "2026-11-23 16:14:59Z"] {
            try FlowFixtures.expect(rule, #"{"at": "\#(text)"}"#, #"{"at":"\#(text)"}"#)
        }
    }

    @Test func timestampsAgreeWithFoundation() throws {
        var random = SplitMix64(seed: 0x3339)
        let rule = #"[{"coarsen": {"path": "at", "period": "1s"}}]"#
        for _ in 0..<300 {
            let seconds = Int64(random.int(-2_000_000_000...7_000_000_000))
            let text = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
            let offset = random.int(-14...14)
            let shifted = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds + Int64(offset * 3600))))
            let local = shifted.dropLast() + String(format: "%@%02d:00", offset < 0 ? "-" : "+", abs(offset))
            try FlowFixtures.expect(rule, #"{"at": "\#(local)"}"#, #"{"at":"\#(text)"}"#)
        }
    }

    @Test func redactDropsPathsAndMatchingStringsAnywhere() throws {
        let rule = #"[{"redact": {"paths": ["serial"], "builtin": ["mac-address", "email", "ipv4"], "patterns": ["^secret-"]}}]"#
        let payload = #"""
            {"serial": "AC-123", "mac": "A4:CF:12:9B:33:07", "ok": "on",
             "nested": {"who": "ann@example.org", "list": ["10.0.0.1", "fine", {"x": "secret-1"}, 3]},
             "note": "device a4-cf-12-9b-33-07 joined", "version": "1.2.3.4.5", "\u006dac2": "a4cf.129b.3307"}
            """#
        try FlowFixtures.expect(rule, payload, #"{"ok":"on","nested":{"list":["fine",{},3]},"version":"1.2.3.4.5"}"#)
        // A top-level string that matches leaves nothing.
        try FlowFixtures.expect(rule, #""ann@example.org""#, "null")
    }

    @Test func redactionReadsEscapedStringsByTheirValue() throws {
        let rule = #"[{"redact": {"builtin": ["email"]}}]"#
        try FlowFixtures.expect(rule, #"{"a": "\u0061nn\u0040example.org", "b": "ok\n"}"#, #"{"b":"ok\n"}"#)
    }

    @Test func rulesApplyInOrder() throws {
        let payload = #"{"at": "2026-11-23T16:04:31Z", "v": 1}"#
        let coarsenFirst = #"[{"coarsen": {"path": "at", "period": "1h"}}, {"redact": {"patterns": ["16:04"]}}]"#
        try FlowFixtures.expect(coarsenFirst, payload, #"{"at":"2026-11-23T16:00:00Z","v":1}"#)
        let redactFirst = #"[{"redact": {"patterns": ["16:04"]}}, {"coarsen": {"path": "at", "period": "1h"}}]"#
        try FlowFixtures.expect(redactFirst, payload, #"{"v":1}"#)
        // A coarsened value can also come to match.
        let matchesAfter = #"[{"coarsen": {"path": "at", "period": "1h"}}, {"redact": {"patterns": ["T16:00:00Z"]}}]"#
        try FlowFixtures.expect(matchesAfter, payload, #"{"v":1}"#)
        // Rounding twice: the second step works on the first one's result.
        let twice = #"[{"round": {"path": "v", "to": 0.5}}, {"round": {"path": "v", "to": 2}}]"#
        try FlowFixtures.expect(twice, #"{"v": 2.8}"#, #"{"v":4}"#)
        // A dropped path is gone whatever comes after.
        let dropThenRound = #"[{"drop": ["v"]}, {"round": {"path": "v", "to": 1}}]"#
        try FlowFixtures.expect(dropThenRound, #"{"v": 2.8, "w": 1}"#, #"{"w":1}"#)
    }

    @Test func whatNoRuleTouchesGoesOnAsItCame() throws {
        let payload = #"{ "a" : [1, 2.50] }"#
        #expect(try FlowFixtures.minimized("[]", payload) == payload)
        // Runs of members left alone are copied with their whitespace; what changes is written compactly.
        let minimized = try FlowFixtures.minimized(
            #"[{"drop": ["b"]}, {"round": {"path": "d", "to": 1}}]"#, #"{"a": 1, "b": 2, "c": [3, 4], "d": 5.5, "e": "x"}"#)
        #expect(minimized == #"{"a": 1,"c": [3, 4],"d": 6,"e": "x"}"#)
    }

    /// Random payloads with secrets planted where the rules remove them: the output is always
    /// strict JSON and never holds a secret.
    @Test func minimizedOutputIsJSONWithoutWhatWasRemoved() throws {
        let rules = #"""
            [{"drop": ["serial", "meter.id"]}, {"redact": {"paths": ["owner"], "builtin": ["mac-address", "email", "ipv4"],
              "patterns": ["tok-[0-9]+"]}}, {"round": {"path": "watts", "to": 0.5}}, {"coarsen": {"path": "at", "period": "15m"}}]
            """#
        let pipeline = FlowPipeline(try FlowFixtures.declaration(minimize: rules))
        let secrets = [
            "SERIAL-SECRET", "METER-SECRET", "OWNER-SECRET", "de:ad:be:ef:00:01", "x@secret.example", "192.168.77.201", "tok-4242",
        ]
        var random = SplitMix64(seed: 0xD20B)
        for _ in 0..<2000 {
            var members: [String] = [
                #""serial":"SERIAL-SECRET""#, #""meter":{"id":"METER-SECRET","v":\#(random.int(0...300))}"#,
                #""owner":{"name":"OWNER-SECRET"}"#, #""watts":\#(Double(random.int(0...100_000)) / 100)"#,
                #""at":"2026-11-23T16:\#(random.int(10...59)):00Z""#,
            ]
            for extra in 0..<random.int(0...4) {
                let secret = random.pick(Array(secrets.suffix(4)))
                let value = random.chance(0.5) ? #""see \#(secret) now""# : #"["ok", {"deep": "\#(secret)"}, 1]"#
                members.append(#""extra\#(extra)":\#(value)"#)
            }
            members.shuffle(using: &random)
            var window: AggregationWindow?
            guard case .forward(let bytes) = FlowFixtures.process(pipeline, "{" + members.joined(separator: ",") + "}", window: &window) else {
                Issue.record("refused")
                return
            }
            _ = try JSONDocument(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            for secret in secrets { #expect(!text.contains(secret), "\(text)") }
            #expect(text.contains(#""watts":"#))
        }
    }
}
