import ArgumentParser
import Foundation
import Glibc
import HearthCommandLine
import HearthPrivacy
import NIOCore

/// `hearth-bench telemetry-pipeline`: what the broker spends on every telemetry PUBLISH, in
/// process and on one core: strict parsing alone, parsing and the schema check, and the whole
/// pipeline (parse, validate, minimize) over a realistic plug payload and declaration.
///
/// Each figure is the best of `--rounds` rounds of `--iterations` messages, with the median
/// beside it: the best is the machine's speed, the spread what other work on it cost. Both the
/// wall clock and the thread's CPU time are measured: on a busy machine the wall clock also counts
/// the time the thread waited for a core.
struct TelemetryPipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry-pipeline",
        abstract: "Nanoseconds per telemetry message: parse, parse + schema, and the full flow pipeline.",
        discussion: """
            By default the declaration has a schema of ten properties (strings without patterns, bounded \
            numbers, an integer, an enum) and the rules drop serial, redact built-in mac-address, round \
            watts to 0.5 and coarsen a timestamp to 15 minutes; the payload is a 200-byte plug reading. \
            --flows and --load-payload-size measure another flow and the payload the MQTT load tool sends \
            (scripts/bench's privacy section measures the broker's flow so).
            """)

    @Option(name: .long, help: "Messages per round.")
    var iterations: Int = 1_000_000

    @Option(name: .long, help: "Rounds per measurement (the best and the median are printed).")
    var rounds: Int = 5

    @Option(name: .long, help: "A flow document (docs/privacy.md) whose first flow is measured instead of the plug's.")
    var flows: String?

    @Option(name: .long, help: "Measure the payload `hearth-bench mqtt --payload telemetry --size N` sends instead of the plug's reading.")
    var loadPayloadSize: Int?

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

    /// The plug's `reading`th reading: its power, energy and time change from one to the next.
    static func payload(_ reading: Int) -> [UInt8] {
        Array((#"{"serial":"AP2-000123456789","mac":"a4:cf:12:9b:33:07","watts":\#(1200 + reading % 97).567,"volts":229.8,"#
            + #""amps":5.37,"wh":\#(9_876_543 + reading),"state":"on","at":"2026-11-23T16:\#(10 + reading % 50):31.250Z","#
            + #""fw":"2.4.1-rc3","rssi":-61}"#).utf8)
    }

    /// Payloads measured in turn, as a device sends them one after another.
    static let variants = 64

    func run() throws {
        guard iterations > 0, rounds > 0 else { throw ValidationError("--iterations and --rounds must be positive") }
        let declaration = try flows.map { path in
            guard let first = try FlowManifest.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).flows.first else {
                throw ValidationError("\(path) declares no flow")
            }
            return first
        } ?? FlowDeclaration(json: Array(Self.declaration.utf8))
        let payloads = try loadPayloadSize.map { size in
            guard size >= LoadPayload.minimumSize(.telemetry) else {
                throw ValidationError("--load-payload-size must be at least \(LoadPayload.minimumSize(.telemetry))")
            }
            var payload = LoadPayload(size: size, publisher: 0, allocator: ByteBufferAllocator(), kind: .telemetry)
            // As the load tool stamps them: the send time and the sequence number change.
            let start = LoadClock.now()
            return (0..<Self.variants).map { index in
                payload.stamp(time: start + UInt64(index) * 3_000, counter: 42 + UInt64(index))
                return Array(payload.buffer.readableBytesView)
            }
        } ?? (0..<Self.variants).map(Self.payload)
        guard !declaration.aggregates else { throw ValidationError("the measured flow aggregates: its payloads are not forwarded one by one") }
        let pipeline = FlowPipeline(declaration)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        var window: AggregationWindow?
        let verdict = payloads[0].withUnsafeBytes { pipeline.process($0, at: time, window: &window) }
        guard case .forward(let minimized) = verdict else { throw ValidationError("the bench payload was not forwarded: \(verdict)") }

        let schema = declaration.schema
        let parse = measure(payloads) { bytes in (try? JSONParser.withParsed(bytes) { $0.tokens.count }) ?? 0 }
        let validate = measure(payloads) { bytes in (try? JSONParser.withParsed(bytes) { schema.validate($0) == nil ? 1 : 0 }) ?? 0 }
        // As the broker runs it: what the one pass learned of the device's last payload kept
        // between payloads (its members that come again unchanged are not read again), the
        // output written into memory the caller has (the broker's is a buffer per connection).
        let memo = MemberMemo()
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 2 * payloads.map(\.count).max()! + 1024, alignment: 8)
        defer { output.deallocate() }
        func forward(_ bytes: UnsafeRawBufferPointer) -> Int {
            var written = 0
            _ = pipeline.forward(bytes, memo: memo) { capacity, fill in
                precondition(capacity <= output.count, "the bench's output buffer is too small for this flow")
                written = fill(output.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            return written
        }
        let full = measure(payloads, forward)
        // Every member read anew: a payload whose members all changed since the last one (in
        // the same order).
        let fresh = measure(payloads) { bytes in
            memo.forgetBytes()
            return forward(bytes)
        }
        Output.print("""
            payload: \(payloads[0].count) bytes in, \(minimized.count) bytes out: \(String(decoding: minimized, as: UTF8.self))
            telemetry_parse=\(parse) ns/message  (strict RFC 8259, tokens on the stack)
            telemetry_parse_validate=\(validate) ns/message  (+ the flow's JSON Schema)
            telemetry_pipeline=\(full) ns/message  (+ drop, redact mac-address, round, coarsen, the output bytes; \(Self.variants) payloads in turn, the unchanged members remembered)
            telemetry_pipeline_fresh=\(fresh) ns/message  (the same, every member changed: each read anew)
            """)
    }

    struct Timing: CustomStringConvertible {
        var wall: [Double] = []
        var cpu: [Double] = []

        var description: String {
            let (wall, cpu) = (wall.sorted(), cpu.sorted())
            return "\(Int(cpu[0].rounded())) cpu, \(Int(wall[0].rounded())) wall (medians \(Int(cpu[cpu.count / 2].rounded())) cpu, "
                + "\(Int(wall[wall.count / 2].rounded())) wall)"
        }
    }

    /// Nanoseconds per message of `body` over `payloads` in turn, each round's.
    private func measure(_ payloads: [[UInt8]], _ body: (UnsafeRawBufferPointer) -> Int) -> Timing {
        var sink = 0
        var timing = Timing()
        let clock = ContinuousClock()
        func run(_ count: Int) {
            for index in 0..<count { sink &+= payloads[index % payloads.count].withUnsafeBytes(body) }
        }
        run(max(1, iterations / 10))
        for _ in 0..<rounds {
            let cpu = Self.threadCPUNanoseconds()
            let start = clock.now
            run(iterations)
            let elapsed = clock.now - start
            let wall = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            timing.wall.append(wall / Double(iterations))
            timing.cpu.append(Double(Self.threadCPUNanoseconds() - cpu) / Double(iterations))
        }
        precondition(sink != Int.min)  // keeps the work from being optimized away
        return timing
    }

    /// This thread's user and system time (microsecond resolution: a round lasts long enough).
    private static func threadCPUNanoseconds() -> Int {
        var usage = rusage()
        getrusage(1, &usage)  // RUSAGE_THREAD (Linux), which Glibc's Swift module does not name
        func nanoseconds(_ time: timeval) -> Int { time.tv_sec * 1_000_000_000 + time.tv_usec * 1000 }
        return nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
    }
}
