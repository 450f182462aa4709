import ArgumentParser
import Foundation
import HearthCommandLine
import HearthPrivacy

/// `hearth-bench telemetry-pipeline`: what the broker spends on every telemetry PUBLISH, in
/// process and on one core: strict parsing alone, parsing and the schema check, and the whole
/// pipeline (parse, validate, minimize) over a realistic plug payload and declaration.
///
/// Each figure is the best of `--rounds` rounds of `--iterations` messages, with the median
/// beside it: the best is the machine's speed, the spread what other work on it cost.
struct TelemetryPipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry-pipeline",
        abstract: "Nanoseconds per telemetry message: parse, parse + schema, and the full flow pipeline.",
        discussion: """
            The declaration has a schema of ten properties (strings without patterns, bounded numbers, \
            an integer, an enum) and the rules drop serial, redact built-in mac-address, round watts to \
            0.5 and coarsen a timestamp to 15 minutes; the payload is a 200-byte plug reading.
            """)

    @Option(name: .long, help: "Messages per round.")
    var iterations: Int = 1_000_000

    @Option(name: .long, help: "Rounds per measurement (the best and the median are printed).")
    var rounds: Int = 5

    static let declaration = #"""
        {"name": "energy", "class": "functional", "sensitive": ["energy"], "purpose": "Shows your plug's power use in the app",
         "schema": {"type": "object", "required": ["serial", "watts", "at"], "additionalProperties": false,
                    "properties": {"serial": {"type": "string", "maxLength": 32}, "mac": {"type": "string"},
                                   "watts": {"type": "number", "minimum": 0, "maximum": 4000},
                                   "volts": {"type": "number", "minimum": 0, "maximum": 400},
                                   "amps": {"type": "number", "minimum": 0}, "wh": {"type": "integer", "minimum": 0},
                                   "state": {"enum": ["on", "off", "standby"]}, "rssi": {"type": "integer"},
                                   "at": {"type": "string", "maxLength": 40}, "fw": {"type": "string"}}},
         "minimize": [{"drop": ["serial"]}, {"redact": {"builtin": ["mac-address"]}},
                      {"round": {"path": "watts", "to": 0.5}}, {"coarsen": {"path": "at", "period": "15m"}}],
         "retention": "7d", "recipients": {"apps": true}}
        """#

    static let payload = Array(#"""
        {"serial":"AP2-000123456789","mac":"a4:cf:12:9b:33:07","watts":1234.567,"volts":229.8,"amps":5.37,"wh":9876543,\
        "state":"on","at":"2026-11-23T16:04:31.250Z","fw":"2.4.1-rc3","rssi":-61}
        """#.utf8)

    func run() throws {
        guard iterations > 0, rounds > 0 else { throw ValidationError("--iterations and --rounds must be positive") }
        let declaration = try FlowDeclaration(json: Array(Self.declaration.utf8))
        let pipeline = FlowPipeline(declaration)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        var window: AggregationWindow?
        let verdict = Self.payload.withUnsafeBytes { pipeline.process($0, at: time, window: &window) }
        guard case .forward(let minimized) = verdict else { throw ValidationError("the bench payload was not forwarded: \(verdict)") }

        let parse = measure { bytes in (try? JSONParser.withParsed(bytes) { $0.tokens.count }) ?? 0 }
        let validate = measure { bytes in
            (try? JSONParser.withParsed(bytes) { declaration.schema.validate($0) == nil ? 1 : 0 }) ?? 0
        }
        let full = measure { bytes in
            var window: AggregationWindow?
            if case .forward(let output) = pipeline.process(bytes, at: time, window: &window) { return output.count }
            return 0
        }
        Output.print("""
            payload: \(Self.payload.count) bytes in, \(minimized.count) bytes out: \(String(decoding: minimized, as: UTF8.self))
            telemetry_parse=\(parse.best) ns/message  (median \(parse.median); strict RFC 8259, tokens on the stack)
            telemetry_parse_validate=\(validate.best) ns/message  (median \(validate.median); + the flow's JSON Schema)
            telemetry_pipeline=\(full.best) ns/message  (median \(full.median); + drop, redact mac-address, round, coarsen, output bytes)
            """)
    }

    /// Nanoseconds per message of `body` over the payload: the best and the median round.
    private func measure(_ body: (UnsafeRawBufferPointer) -> Int) -> (best: Int, median: Int) {
        var sink = 0
        var perMessage: [Double] = []
        let clock = ContinuousClock()
        Self.payload.withUnsafeBytes { bytes in
            for _ in 0..<max(1, iterations / 10) { sink &+= body(bytes) }
            for _ in 0..<rounds {
                let start = clock.now
                for _ in 0..<iterations { sink &+= body(bytes) }
                let elapsed = clock.now - start
                let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                perMessage.append(nanoseconds / Double(iterations))
            }
        }
        precondition(sink != Int.min)  // keeps the work from being optimized away
        perMessage.sort()
        return (Int(perMessage[0].rounded()), Int(perMessage[perMessage.count / 2].rounded()))
    }
}
