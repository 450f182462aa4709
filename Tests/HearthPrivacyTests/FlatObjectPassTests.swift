import Foundation
import HearthCore
@testable import HearthPrivacy
import Testing

/// The broker's one pass over flat payloads (`FlatObjectPass`) against the general path, which
/// parses, validates and minimizes in three walks: on generated flows and payloads, whatever the
/// one pass decides must be byte for byte what the general path forwards.
@Suite struct FlatObjectPassTests {
    /// Payloads seen, the one pass's decisions, and payloads the general path forwarded.
    struct Tally {
        var payloads = 0
        var decided = 0
        var forwarded = 0
    }

    @Test func theOnePassForwardsWhatTheGeneralPathForwards() throws {
        var generator = SchemaGenerator(seed: 0xF1A7_0B1E_C7)
        var tally = Tally()
        var (flows, refused) = (0, 0)
        while flows < 1_000 {
            let (schema, text) = Self.flatSchema(&generator)
            let rules = Self.rules(&generator.random)
            guard let declaration = try? FlowFixtures.declaration(schema: text, minimize: rules) else {
                refused += 1
                continue
            }
            let pipeline = FlowPipeline(declaration)
            guard let flat = pipeline.flat else { continue }
            flows += 1
            // One memo for the flow's payloads, as a connection keeps it: each payload is decided
            // again with all of its members remembered, and the next with those it shares.
            let memo = MemberMemo()
            for _ in 0..<20 {
                let payload = Self.payload(for: schema, &generator)
                Self.compare(pipeline, flat, payload, memo: memo, rules: rules, schema: text, &tally)
                Self.compare(pipeline, flat, payload, memo: memo, rules: rules, schema: text, &tally)
            }
        }
        print("flat pass: \(tally.payloads) payloads, \(tally.decided) decided by the one pass, \(tally.forwarded) forwarded")
        #expect(refused < flows / 10, "\(refused) generated declarations refused")
        // Worth comparing: the one pass decides many payloads, and passes many on.
        #expect(tally.decided > tally.payloads / 10, "\(tally)")
        #expect(tally.forwarded - tally.decided > tally.payloads / 20, "\(tally)")
    }

    @Test func theSchemasAndRulesItCannotDecideGoWithoutIt() throws {
        let flat = #"{"type": "object", "properties": {"a": {"type": "number"}}}"#
        #expect(FlowPipeline(try FlowFixtures.declaration(schema: flat)).flat != nil)
        for schema in ["true", #"{"type": "object"}"#, #"{"type": "array"}"#, #"{"properties": {"a": true}, "required": ["b"]}"#,
                       #"{"properties": {"a": true}, "enum": [{"a": 1}]}"#] {
            #expect(FlowPipeline(try FlowFixtures.declaration(schema: schema)).flat == nil, "\(schema)")
        }
        let aggregating = #"[{"aggregate": {"window": "15m", "fields": {"a": "mean"}}}]"#
        #expect(FlowPipeline(try FlowFixtures.declaration(schema: flat, minimize: aggregating)).flat == nil)
    }

    /// The member order is only a hint: a device that changes its order is decided the same, and
    /// so is a payload read with another flow's memo.
    @Test func aChangedMemberOrderIsDecidedTheSame() throws {
        let schema = #"{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "number"}}}"#
        let pipeline = FlowPipeline(try FlowFixtures.declaration(schema: schema, minimize: #"[{"round": {"path": "c", "to": 1}}]"#))
        let memo = MemberMemo()
        var tally = Tally()
        for payload in [#"{"a":1,"b":"x","c":2.4}"#, #"{"c":2.6,"b":"y","a":3}"#, #"{"b":"z","a":4}"#, #"{"a":5,"a":6}"#,
                        #"{"a":1,"b":"x","c":2.4}"#] {
            Self.compare(pipeline, try #require(pipeline.flat), payload, memo: memo, rules: "", schema: schema, &tally)
        }
        // Another flow's memo, of the same members under other rules.
        let other = FlowPipeline(try FlowFixtures.declaration(schema: schema, minimize: #"[{"drop": ["b"]}]"#))
        let stale = MemberMemo()
        Self.compare(other, try #require(other.flat), #"{"a":1,"b":"x","c":2.4}"#, memo: stale, rules: "", schema: schema, &tally)
        Self.compare(pipeline, try #require(pipeline.flat), #"{"a":1,"b":"x","c":2.4}"#, memo: stale, rules: "", schema: schema, &tally)
        #expect(tally.decided == 6)
        #expect(tally.forwarded == 6)
    }

    /// A member remembered is taken as it was only when it comes again byte for byte and ends
    /// where it did: a value that grew, changed or now fails its schema is read and checked again.
    @Test func aRememberedMemberIsTakenOnlyWhenItComesAgainWhole() throws {
        let schema = #"{"type": "object", "additionalProperties": false, "properties": {"seq": {"type": "integer", "maximum": 100}, "id": {"type": "string", "maxLength": 4}, "on": {"type": "boolean"}, "mac": {"type": "string"}}}"#
        let rules = #"[{"redact": {"builtin": ["mac-address"]}}]"#
        let pipeline = FlowPipeline(try FlowFixtures.declaration(schema: schema, minimize: rules))
        let flat = try #require(pipeline.flat)
        let memo = MemberMemo()
        var tally = Tally()
        let payloads = [
            #"{"seq":42,"id":"ab","on":true,"mac":"none"}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none"}"#,
            // Grew past its maximum: `"seq":42` is where it starts, not all of it.
            #"{"seq":421,"id":"ab","on":true,"mac":"none"}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none"}"#,
            #"{"seq":42 ,"id":"ab" , "on":true,"mac":"none"}"#,
            #"{"seq":42,"id":"abcde","on":true,"mac":"none"}"#,
            // Redacted again when it comes again: what the redaction found is remembered too.
            #"{"seq":42,"id":"ab","on":true,"mac":"aa:bb:cc:dd:ee:ff"}"#,
            #"{"seq":43,"id":"ab","on":true,"mac":"aa:bb:cc:dd:ee:ff"}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none"}"#,
            #"{"seq":42,"seq":42,"on":true}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none","x":1}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none"}"#,
            #"{"seq":42,"id":"ab","on":true,"mac":"none""#,
        ]
        for payload in payloads {
            Self.compare(pipeline, flat, payload, memo: memo, rules: rules, schema: schema, &tally)
        }
        // Refused by the general path: 421 over the maximum, "abcde" too long, a name twice, an
        // undeclared member, an unfinished object. Each was passed on by the one pass undecided.
        #expect(tally.forwarded == payloads.count - 5)
        #expect(tally.decided == tally.forwarded)
    }

    /// A member taken as it was is remembered where it is now: when an earlier member grew, the
    /// next payload is compared with its bytes, not with whatever came to lie where it was before
    /// (here `","b":"o`, which would otherwise pass for the member `"b":"ok"`).
    @Test func aMemberTakenAsItWasIsRememberedWhereItIsNow() throws {
        let schema = #"{"properties": {"a": {"type": "string"}, "b": {"type": "string"}}}"#
        let pipeline = FlowPipeline(try FlowFixtures.declaration(schema: schema))
        let memo = MemberMemo()
        var tally = Tally()
        for payload in [#"{"a":"","b":"ok"}"#, #"{"a":"xy","b":"ok"}"#, #"{"a":"",","b":"o}"#] {
            Self.compare(pipeline, try #require(pipeline.flat), payload, memo: memo, rules: "", schema: schema, &tally)
        }
        #expect(tally.forwarded == 2)
        #expect(tally.decided == 2)
    }

    /// A memo is the flow's whose pass wrote it: under a stricter declaration of the flow the
    /// same member is checked again, and refused.
    @Test func aMemoOfAnotherDeclarationIsNotTakenAsItWas() throws {
        let loose = FlowPipeline(try FlowFixtures.declaration(schema: #"{"properties": {"id": {"type": "string", "maxLength": 8}}}"#))
        let strict = FlowPipeline(try FlowFixtures.declaration(schema: #"{"properties": {"id": {"type": "string", "maxLength": 2}}}"#))
        let memo = MemberMemo()
        var tally = Tally()
        for _ in 0..<2 {
            Self.compare(loose, try #require(loose.flat), #"{"id":"abcdef"}"#, memo: memo, rules: "", schema: "loose", &tally)
        }
        Self.compare(strict, try #require(strict.flat), #"{"id":"abcdef"}"#, memo: memo, rules: "", schema: "strict", &tally)
        #expect(tally.forwarded == 2)
        #expect(tally.decided == 2)
    }

    // MARK: comparing

    static func compare(
        _ pipeline: FlowPipeline, _ flat: FlatObjectPass, _ payload: String, memo: MemberMemo, rules: String, schema: String,
        _ tally: inout Tally, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let bytes = Array(payload.utf8)
        let general = bytes.withUnsafeBytes { pipeline.generalOutput($0) }
        let decided = bytes.withUnsafeBytes { pipeline.onePassOutput($0, flat, memo: memo) }
        tally.payloads += 1
        if general != nil { tally.forwarded += 1 }
        guard decided != nil else { return }
        tally.decided += 1
        #expect(
            decided == general,
            """
            schema \(schema)
              rules \(rules)
              payload \(payload)
              one pass: \(decided.map { String(decoding: $0, as: UTF8.self) } ?? "nothing")
              general: \(general.map { String(decoding: $0, as: UTF8.self) } ?? "refused")
            """, sourceLocation: sourceLocation)
    }

    // MARK: generating

    /// An object schema with one to six declared properties of the generator's kinds of
    /// (sub)schemas, some required, and additional properties allowed, refused or checked.
    static func flatSchema(_ generator: inout SchemaGenerator) -> (GeneratedSchema, String) {
        let schema = GeneratedSchema()
        schema.focus = .object
        var keywords: [String] = []
        if generator.random.chance(0.7) {
            schema.types = ["object"]
            keywords.append(#""type":"object""#)
        }
        let names = GeneratedJSON.names.shuffled(using: &generator.random).prefix(generator.random.int(1...6))
        schema.properties = names.map { ($0, generator.schema(depth: 2)) }
        keywords.append(#""properties":{"# + schema.properties.map { "\(GeneratedJSON.literal($0.name)):\($0.schema.text)" }
            .joined(separator: ",") + "}")
        if generator.random.chance(0.6) {
            schema.required = schema.properties.map(\.name).filter { _ in generator.random.chance(0.5) }
            keywords.append(#""required":["# + schema.required.map(GeneratedJSON.literal).joined(separator: ",") + "]")
        }
        if generator.random.chance(0.4) {
            let additional = GeneratedSchema()
            additional.boolean = generator.random.chance(0.5)
            additional.text = additional.boolean! ? "true" : "false"
            schema.additional = additional
            keywords.append(#""additionalProperties":"# + additional.text)
        }
        return (schema, "{" + keywords.joined(separator: ",") + "}")
    }

    /// A payload for the schema: mostly the generator's instances, written compactly or with
    /// whitespace; now and then a member repeated, or the text broken.
    static func payload(for schema: GeneratedSchema, _ generator: inout SchemaGenerator) -> String {
        var instance = generator.instance(for: schema)
        if case .object(let members) = instance, !members.isEmpty, generator.random.chance(0.4) {
            // Values the rules act on: identifiers to redact, timestamps to coarsen.
            let index = generator.random.int(0...(members.count - 1))
            let value = GeneratedJSON.string(generator.random.pick(identifying))
            instance = GeneratedJSON.object(members.enumerated().map { $0.offset == index ? (key: $0.element.key, value: value) : $0.element })
        }
        var text = instance.text
        if generator.random.chance(0.25) {
            text = text.replacingOccurrences(of: ",", with: " ,\n ").replacingOccurrences(of: ":", with: " : ")
                .replacingOccurrences(of: "{", with: " { ")
        }
        if generator.random.chance(0.1), let name = schema.properties.first?.name {
            text = text.replacingOccurrences(of: "{", with: "{\(GeneratedJSON.literal(name)):1,", options: [], range: text.range(of: "{"))
        }
        if generator.random.chance(0.05), !text.isEmpty {
            text.remove(at: text.index(text.startIndex, offsetBy: generator.random.int(0...(text.count - 1))))
        }
        return text
    }

    static let identifying = [
        #""a4:cf:12:9b:33:07""#, #""mac a4cf.129b.3307""#, #""ann@example.org""#, #""from 10.0.0.1""#,
        #""2026-11-23T16:04:31.250Z""#, #""2026-11-23T16:04:31+01:00""#, #""xxxxxxxxxxxxxxxxxxxx:yyyy""#,
    ]

    /// A flow's minimization rules over the generator's member names, top-level and nested.
    static func rules(_ random: inout SplitMix64) -> String {
        func path() -> String {
            let name = random.pick(GeneratedJSON.names)
            return random.chance(0.15) ? "\(name).\(random.pick(GeneratedJSON.names))" : name
        }
        func paths() -> String {
            let paths = Set((0..<random.int(1...3)).map { _ in path() })
            return "[" + paths.sorted().map(GeneratedJSON.literal).joined(separator: ",") + "]"
        }
        var rules: [String] = []
        for _ in 0..<random.int(0...4) {
            switch random.int(0...5) {
            case 0: rules.append(#"{"drop":\#(paths())}"#)
            case 1: rules.append(#"{"keep":\#(paths())}"#)
            case 2: rules.append(#"{"round":{"path":\#(GeneratedJSON.literal(path())),"to":\#(random.pick(["0.5", "10", "0.01", "3"]))}}"#)
            case 3: rules.append(#"{"coarsen":{"path":\#(GeneratedJSON.literal(path())),"period":\#(random.pick(["\"1m\"", "\"15m\"", "\"1h\""]))}}"#)
            case 4: rules.append(#"{"redact":{"builtin":["mac-address","email","ipv4"]}}"#)
            default: rules.append(#"{"redact":{"paths":\#(paths()),"patterns":["^[a-z]+$"]}}"#)
            }
        }
        return "[" + rules.joined(separator: ",") + "]"
    }
}
