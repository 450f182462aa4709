import HearthCore
import HearthPrivacy
import Testing

@Suite struct FlowDeclarationTests {
    static let document = #"""
        { "model": "acme-plug-2",
          "flows": [ {
             "name": "energy",
             "class": "functional",
             "sensitive": ["energy"],
             "purpose": "Shows your plug's power use in the app",
             "schema": {"type": "object", "properties": {"watts": {"type": "number"}, "serial": {"type": "string"}}},
             "minimize": [{"drop": ["serial"]}, {"round": {"path": "watts", "to": 0.5}},
                          {"coarsen": {"path": "at", "period": "15m"}},
                          {"redact": {"paths": ["mac"], "patterns": ["^tok-"], "builtin": ["mac-address", "email", "ipv4"]}},
                          {"keep": ["watts", "at"]},
                          {"aggregate": {"window": "1h", "fields": {"watts": "mean"}}}],
             "retention": "7d",
             "recipients": { "apps": true, "destinations": ["maker-cloud"] },
             "consent": true,
             "rate": "4/15m"
          }, {
             "name": "health-log", "class": "diagnostics", "purpose": "Helps fix the plug", "schema": true,
             "retention": "90m", "recipients": {"apps": false}
          } ] }
        """#

    static func manifest(_ text: String) throws(HearthError) -> FlowManifest { try FlowManifest.parse(Array(text.utf8)) }

    @Test func aDocumentReadsIntoDeclarations() throws {
        let manifest = try Self.manifest(Self.document)
        #expect(manifest.model == "acme-plug-2")
        #expect(manifest.flows.map(\.name) == ["energy", "health-log"])
        let energy = manifest.flows[0]
        #expect(energy.dataClass == .functional)
        #expect(energy.sensitive == [.energy])
        #expect(energy.purpose == "Shows your plug's power use in the app")
        #expect(energy.retention == .seconds(7 * 86400))
        #expect(energy.appsReceive)
        #expect(energy.destinations == ["maker-cloud"])
        #expect(energy.consentForced)
        #expect(energy.aggregates)
        #expect(energy.minimization == [
            .drop(["serial"]), .round(path: "watts", to: 0.5), .coarsen(path: "at", period: .seconds(900)),
            .redact(paths: ["mac"], patterns: ["^tok-"], builtin: [.macAddress, .email, .ipv4]), .keep(["watts", "at"]),
            .aggregate(window: .seconds(3600), fields: [AggregateField(path: "watts", function: .mean)]),
        ])
        let log = manifest.flows[1]
        #expect(log.sensitive.isEmpty && log.minimization.isEmpty && !log.consentForced && !log.appsReceive && !log.aggregates)
        #expect(log.retention == .seconds(5400))
        #expect(energy.rate == FlowRate("4/15m") && energy.rate?.count == 4 && energy.rate?.periodSeconds == 900 && log.rate == nil)
        #expect(FlowRate("1/s")?.perSecond == 1 && FlowRate("12/m")?.periodSeconds == 60 && FlowRate("100000/d")?.count == 100_000)
        #expect(try Self.manifest(#"{"flows": []}"#).model == nil)
    }

    @Test func theCanonicalTextReadsBackEqual() throws {
        let manifest = try Self.manifest(Self.document)
        for flow in manifest.flows {
            let again = try FlowDeclaration.stored(flow.json)
            #expect(again == flow)
        }
        // Member order and whitespace do not make a different declaration.
        let reordered = try FlowDeclaration(json: Array(#"""
            {"schema": true, "recipients": {"apps": false}, "retention": "90m", "purpose": "Helps fix the plug",
             "class": "diagnostics", "name": "health-log"}
            """#.utf8))
        #expect(reordered == manifest.flows[1])
        #expect(String(decoding: reordered.json, as: UTF8.self) == #"{"class":"diagnostics","name":"health-log","purpose":"Helps fix the plug","recipients":{"apps":false},"retention":"90m","schema":true}"#)
    }

    @Test func consentFollowsClassSensitivityAndTheDeclaration() throws {
        func flow(_ dataClass: String, sensitive: String = "[]", consent: String = "false") throws -> FlowDeclaration {
            try FlowDeclaration(json: Array(#"""
                {"name": "f", "class": "\#(dataClass)", "sensitive": \#(sensitive), "purpose": "p", "schema": true,
                 "retention": "1d", "recipients": {"apps": true, "destinations": ["cloud"]}, "consent": \#(consent)}
                """#.utf8))
        }
        for dataClass in ["essential", "functional"] {
            #expect(try !flow(dataClass).needsConsent(for: .apps))
            #expect(try flow(dataClass, sensitive: #"["presence"]"#).needsConsent(for: .apps))
            #expect(try flow(dataClass, consent: "true").needsConsent(for: .apps))
            #expect(try flow(dataClass).needsConsent(for: .destination("cloud")))
        }
        for dataClass in ["analytics", "diagnostics"] {
            #expect(try flow(dataClass).needsConsent(for: .apps))
        }
    }

    static func refusal(_ text: String) -> String? {
        do {
            _ = try manifest(text)
            return nil
        } catch {
            return error.reason
        }
    }

    /// A document with one flow, `change` applied to its members.
    static func flow(_ change: (inout [String: String]) -> Void) -> String {
        var members = [
            "name": #""energy""#, "class": #""functional""#, "purpose": #""Shows power""#, "schema": "true", "retention": #""7d""#,
            "recipients": #"{"apps": true}"#,
        ]
        change(&members)
        return #"{"flows": [{"# + members.map { #""\#($0.key)": \#($0.value)"# }.joined(separator: ", ") + "}]}"
    }

    @Test(arguments: [
        (#"{"flows": [], "extra": 1}"#, #"/: unknown member "extra""#),
        (flow { $0["colour"] = "1" }, #"/flows/0: unknown member "colour""#),
        (flow { $0["recipients"] = #"{"apps": true, "app": true}"# }, #"/flows/0/recipients: unknown member "app""#),
        (flow { $0["minimize"] = #"[{"round": {"path": "w", "to": 1, "mode": "up"}}]"# }, #"/flows/0/minimize/0/round: unknown member "mode""#),
        (flow { $0["minimize"] = #"[{"redact": {"builtins": ["email"]}}]"# }, #"/flows/0/minimize/0/redact: unknown member "builtins""#),
        (flow { $0["minimize"] = #"[{"aggregate": {"window": "1h", "fields": {"w": "sum"}, "x": 1}}]"# }, #"/flows/0/minimize/0/aggregate: unknown member "x""#),
        (flow { $0["minimize"] = #"[{"drop": ["a"], "keep": ["b"]}]"# }, "/flows/0/minimize/0: a rule is an object with exactly one member"),
        (flow { $0["minimize"] = #"[{"blur": ["a"]}]"# }, #"/flows/0/minimize/0: unknown member "blur""#),
        (flow { $0["schema"] = #"{"properties": {"x": {"format": "email"}}}"# }, #"schema: unsupported keyword "format" at /flows/0/schema/properties/x/format"#),
    ])
    func unknownMembersAreRefusedWherever(_ text: String, _ expected: String) {
        let reason = Self.refusal(text)
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: [
        (flow { $0["name"] = #""Energy""# }, "/flows/0/name: must be 1-32 characters"),
        (flow { $0["name"] = #""1energy""# }, "/flows/0/name: must be"),
        (flow { $0["name"] = #""""# }, "/flows/0/name: must be"),
        (flow { $0["name"] = #""\#(String(repeating: "a", count: 33))""# }, "/flows/0/name: must be"),
        (flow { $0["name"] = "3" }, "/flows/0/name: must be a string"),
        (flow { $0["name"] = nil }, #"/flows/0: member "name" is required"#),
        (flow { $0["class"] = #""secret""# }, "/flows/0/class: must be one of essential, functional, analytics, diagnostics"),
        (flow { $0["sensitive"] = #"["dna"]"# }, "/flows/0/sensitive/0: must be one of presence"),
        (flow { $0["sensitive"] = #"["audio", "audio"]"# }, "/flows/0/sensitive/1: is listed twice"),
        (flow { $0["purpose"] = #""""# }, "/flows/0/purpose: must be 1-280 characters"),
        (flow { $0["purpose"] = #""\#(String(repeating: "é", count: 281))""# }, "/flows/0/purpose: must be 1-280 characters"),
        (flow { $0["purpose"] = #""line\nbreak""# }, "without control characters"),
        (flow { $0["retention"] = #""59s""# }, "/flows/0/retention: must be a duration from 1m to 3650d"),
        (flow { $0["retention"] = #""3651d""# }, "/flows/0/retention: must be"),
        (flow { $0["retention"] = #""07d""# }, "/flows/0/retention: must be"),
        (flow { $0["retention"] = #""1w""# }, "/flows/0/retention: must be"),
        (flow { $0["retention"] = "7" }, "/flows/0/retention: must be a string"),
        (flow { $0["recipients"] = "{}" }, #"/flows/0/recipients: member "apps" is required"#),
        (flow { $0["recipients"] = #"{"apps": "yes"}"# }, "/flows/0/recipients/apps: must be true or false"),
        (flow { $0["recipients"] = #"{"apps": true, "destinations": ["Maker Cloud"]}"# }, "/flows/0/recipients/destinations/0: must be 1-32"),
        // A destination's name follows the rule of the destinations an owner adds: a letter first.
        (flow { $0["recipients"] = #"{"apps": true, "destinations": ["1cloud"]}"# }, "/flows/0/recipients/destinations/0: must be 1-32"),
        (flow { $0["consent"] = "1" }, "/flows/0/consent: must be true or false"),
        (flow { $0["rate"] = #""12""# }, "/flows/0/rate: must be a count and a period, such as 1/s"),
        (flow { $0["rate"] = #""0/m""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""012/m""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""100001/d""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""1/2d""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""1/w""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""-1/s""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""+1/s""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = #""1/1/s""# }, "/flows/0/rate: must be"),
        (flow { $0["rate"] = "1" }, "/flows/0/rate: must be a string"),
        (flow { $0["minimize"] = #"[{"aggregate": {"window": "1h", "fields": {"w": "sum"}}}, {"drop": ["a"]}]"# }, "/flows/0/minimize/0: aggregate must be the last rule"),
        (flow { $0["minimize"] = #"[{"round": {"path": "w", "to": 0}}]"# }, "/flows/0/minimize/0/round/to: must be a number greater than 0"),
        (flow { $0["minimize"] = #"[{"round": {"path": "w", "to": "0.5"}}]"# }, "/flows/0/minimize/0/round/to: must be a number"),
        (flow { $0["minimize"] = #"[{"round": {"to": 1}}]"# }, #"/flows/0/minimize/0/round: member "path" is required"#),
        (flow { $0["minimize"] = #"[{"coarsen": {"path": "at", "period": "15"}}]"# }, "/flows/0/minimize/0/coarsen/period: must be a duration"),
        (flow { $0["minimize"] = #"[{"redact": {}}]"# }, "/flows/0/minimize/0/redact: must list at least one"),
        (flow { $0["minimize"] = #"[{"redact": {"builtin": ["phone"]}}]"# }, "/flows/0/minimize/0/redact/builtin/0: must be one of mac-address, email, ipv4"),
        (flow { $0["minimize"] = #"[{"redact": {"patterns": ["("]}}]"# }, "/flows/0/minimize/0/redact/patterns/0: is not a regular expression"),
        (flow { $0["minimize"] = #"[{"aggregate": {"window": "1h", "fields": {"w": "median"}}}]"# }, "/flows/0/minimize/0/aggregate/fields/w: must be one of mean, min, max, sum, last, count"),
        (flow { $0["minimize"] = #"[{"aggregate": {"window": "1h", "fields": {}}}]"# }, "/flows/0/minimize/0/aggregate/fields: must be an object naming at least one field"),
        (flow { $0["minimize"] = #"[{"aggregate": {"window": "1h", "fields": {"samples": "sum"}}}]"# }, "/flows/0/minimize/0/aggregate/fields/samples: is a name the aggregate itself writes"),
        (flow { $0["minimize"] = #"[{"drop": ["a..b"]}]"# }, "/flows/0/minimize/0/drop/0: must be a dotted path"),
        (flow { $0["minimize"] = #"[{"keep": []}]"# }, "/flows/0/minimize/0/keep: must list at least one path"),
        (flow { $0["minimize"] = #"[{"drop": ["a", "a"]}]"# }, "/flows/0/minimize/0/drop/1: is listed twice"),
        (flow { $0["minimize"] = #"{"drop": ["a"]}"# }, "/flows/0/minimize: must be an array"),
        (#"{"model": "Acme Plug", "flows": []}"#, "/model: must be 1-64 characters"),
        (#"{"model": "-plug", "flows": []}"#, "/model: must be 1-64 characters"),
        (#"{"model": "acme"}"#, #"/: member "flows" is required"#),
        (#"[]"#, "/: must be an object"),
        (#"{"flows": [{"name": "a"#, "not JSON"),
    ])
    func badValuesAreRefusedNamingTheMember(_ text: String, _ expected: String) {
        let reason = Self.refusal(text)
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test func flowNamesAreUniqueInADocument() {
        let flow = #"{"name": "energy", "class": "essential", "purpose": "p", "schema": true, "retention": "1d", "recipients": {"apps": true}}"#
        let reason = Self.refusal(#"{"flows": [\#(flow), \#(flow)]}"#)
        #expect(reason == #"/flows/1: a flow named "energy" is declared twice"#)
    }
}
