/// Output bytes written through a pointer into memory sized in advance: the hot path's writer.
///
/// `JSONWriter` appends to an array, checking capacity and uniqueness on every append; the
/// minimized payload has a known upper bound (its input, plus a fixed allowance per transformed
/// value), so it is written straight into an array's uninitialized storage instead.
struct ByteSink {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    /// The most a transformed value (a rounded number, a coarsened timestamp) takes.
    static let transformAllowance = 32

    @inline(__always) mutating func byte(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func bytes(_ text: UnsafeBufferPointer<UInt8>) {
        guard let source = text.baseAddress else { return }
        (base + count).update(from: source, count: text.count)
        count += text.count
    }

    mutating func bytes(_ text: StaticString) {
        text.withUTF8Buffer { bytes($0) }
    }

    /// Cuts the output back to `mark` bytes (a member that turned out to be removed).
    @inline(__always) mutating func truncate(to mark: Int) { count = mark }

    mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        let digits = Self.digitCount(value.magnitude)
        write(value.magnitude, digits: digits, endingAt: count + digits)
        count += digits
    }

    /// The decimal digits of `value` (1 for 0), counted by comparisons, not divisions.
    @inline(__always) static func digitCount(_ value: UInt64) -> Int {
        var (digits, threshold): (Int, UInt64) = (1, 10)
        while digits < 20, value >= threshold {
            digits += 1
            threshold &*= 10
        }
        return digits
    }

    /// Writes the `digits` decimal digits of `magnitude` just before `end`, two per division, from
    /// the last: a timestamp's ten digits take five dependent divisions, not ten.
    @inline(__always) private func write(_ magnitude: UInt64, digits: Int, endingAt end: Int) {
        var (magnitude, index) = (magnitude, end)
        while magnitude >= 10 {
            let pair = magnitude % 100
            magnitude /= 100
            index -= 2
            base[index] = UInt8(ascii: "0") + UInt8(pair / 10)
            base[index + 1] = UInt8(ascii: "0") + UInt8(pair % 10)
        }
        if index > end - digits { base[index - 1] = UInt8(ascii: "0") + UInt8(magnitude) }
    }

    /// `mantissa` × 10^-`scale`, exactly, without trailing fractional zeros: `215, 1` is `21.5`,
    /// `220, 1` is `22`. Decimal arithmetic is how rounding keeps its output looking right
    /// (`21.5`, never `21.499999999999996`).
    mutating func decimal(mantissa: Int64, scale: Int) {
        var mantissa = mantissa
        var scale = scale
        while scale > 0, mantissa % 10 == 0 {
            mantissa /= 10
            scale -= 1
        }
        guard scale > 0 else {
            integer(mantissa)
            return
        }
        if mantissa < 0 { byte(UInt8(ascii: "-")) }
        // The integer part has the digits beyond the fraction's, or is a single 0.
        let integerDigits = max(1, Self.digitCount(mantissa.magnitude) - scale)
        let length = integerDigits + 1 + scale
        // Digits from the last: the fraction's `scale`, the point, then what is left, the integer part.
        var (rest, index) = (mantissa.magnitude, count + length)
        for _ in 0..<scale {
            index -= 1
            base[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        base[index - 1] = UInt8(ascii: ".")
        write(rest, digits: integerDigits, endingAt: index - 1)
        count += length
    }

    /// Shortest round-trip, without `.0` when `integral`.
    mutating func number(_ value: Double, integral: Bool) {
        guard value.isFinite else {
            bytes("null")
            return
        }
        if integral, value == value.rounded(.towardZero), value.magnitude < 1e18 {
            integer(Int64(value))
            return
        }
        var text = value.description
        text.withUTF8 { bytes($0) }
    }
}

extension JSONWriter {
    /// Writes through a `ByteSink` of at most `capacity` bytes on the stack.
    mutating func viaSink(capacity: Int = ByteSink.transformAllowance, _ write: (inout ByteSink) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var sink = ByteSink(buffer.baseAddress!)
            write(&sink)
            raw(UnsafeBufferPointer(start: buffer.baseAddress, count: sink.count))
        }
    }
}
