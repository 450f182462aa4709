import Foundation

/// The aggregation state of one device's flow: the window being filled and what has been
/// gathered in it. The caller keeps one per device and flow (nil until the first payload) and
/// passes it to every `FlowPipeline.process`, and calls `flush` from a timer so that the last
/// window of a device that went quiet is still sent.
///
/// Windows are aligned to multiples of the window length since the Unix epoch. A payload whose
/// time falls in a later window closes the current one (which is then emitted); one whose time
/// falls in an earlier window (a late or re-sent payload) is counted in the current one.
///
/// Emitted objects hold each field under its path as written, in name order (the order of the
/// declaration's canonical form; functions: see `AggregateFunction`), then `window_start` and
/// `window_end` (RFC 3339 UTC) and `samples`, the number of payloads absorbed.
public struct AggregationWindow: Sendable {
    let spec: AggregateSpec
    /// Unix seconds.
    var start: Int64
    public internal(set) var samples = 0
    var accumulators: [Accumulator]

    struct Accumulator: Sendable {
        var present = 0
        var numbers = 0
        var sum = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        /// Every number so far was written as an integer: sums and extremes are written as one.
        var integral = true
        var last: [UInt8] = []
    }

    init(spec: AggregateSpec, start: Int64) {
        self.spec = spec
        self.start = start
        accumulators = Array(repeating: Accumulator(), count: spec.fields.count)
    }

    public var windowStart: Date { Date(timeIntervalSince1970: TimeInterval(start)) }
    public var windowEnd: Date { Date(timeIntervalSince1970: TimeInterval(start + spec.window)) }

    /// The aggregate of the current window if it holds samples and ended at or before `time`;
    /// the window is then empty.
    public mutating func flush(endingBy time: Date) -> [UInt8]? {
        guard samples > 0, start + spec.window <= Self.seconds(time) else { return nil }
        let emitted = emit()
        reset(start: start + spec.window)
        return emitted
    }

    static func seconds(_ time: Date) -> Int64 {
        let seconds = time.timeIntervalSince1970.rounded(.down)
        return seconds.magnitude < 9.0e15 ? Int64(seconds) : 0
    }

    mutating func reset(start: Int64) {
        self.start = start
        samples = 0
        for index in accumulators.indices { accumulators[index] = Accumulator() }
    }

    /// Adds one payload's field value (its minimized JSON text, nil when absent).
    mutating func absorb(_ value: [UInt8]?, field index: Int) {
        guard let value, !value.isEmpty else { return }
        accumulators[index].present += 1
        if spec.fields[index].function == .last {
            accumulators[index].last = value
            return
        }
        guard value[0] == UInt8(ascii: "-") || value[0] &- UInt8(ascii: "0") < 10 else { return }
        let number = value.withUnsafeBufferPointer { JSONNumbers.double($0) }
        accumulators[index].numbers += 1
        accumulators[index].sum += number
        accumulators[index].minimum = min(accumulators[index].minimum, number)
        accumulators[index].maximum = max(accumulators[index].maximum, number)
        if value.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
            accumulators[index].integral = false
        }
    }

    func emit() -> [UInt8] {
        var writer = JSONWriter(capacity: 128)
        writer.byte(UInt8(ascii: "{"))
        for (field, accumulator) in zip(spec.fields, accumulators) {
            let integral = accumulator.integral
            let written: Double?
            switch field.function {
            case .mean: written = accumulator.numbers > 0 ? accumulator.sum / Double(accumulator.numbers) : nil
            case .sum: written = accumulator.sum
            case .min: written = accumulator.numbers > 0 ? accumulator.minimum : nil
            case .max: written = accumulator.numbers > 0 ? accumulator.maximum : nil
            case .count: written = Double(accumulator.present)
            case .last:
                guard !accumulator.last.isEmpty else { continue }
                member(field.name, &writer)
                accumulator.last.withUnsafeBufferPointer { writer.raw($0) }
                continue
            }
            guard let written else { continue }
            member(field.name, &writer)
            writer.number(written, integral: integral || field.function == .count)
        }
        member(Array("window_start".utf8), &writer)
        _ = RFC3339Bytes.write(start, to: &writer)
        member(Array("window_end".utf8), &writer)
        _ = RFC3339Bytes.write(start + spec.window, to: &writer)
        member(Array("samples".utf8), &writer)
        writer.integer(Int64(samples))
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }

    private func member(_ name: [UInt8], _ writer: inout JSONWriter) {
        if writer.bytes.count > 1 { writer.byte(UInt8(ascii: ",")) }
        writer.string(name)
        writer.byte(UInt8(ascii: ":"))
    }
}
