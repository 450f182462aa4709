extension JSONScanner {
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` (RFC 8259 §6), whose value a double holds.
    @inline(__always) mutating func number() throws(JSONSyntaxError) {
        let start = position
        if base[position] == UInt8(ascii: "-") { position += 1 }
        let first = try peek()
        if first == UInt8(ascii: "0") {
            position += 1
            if position < count, isDigit(base[position]) { throw fail(.leadingZero, start) }
        } else if isDigit(first) {
            position += 1
            skipDigits()
        } else {
            throw fail(.invalidNumber, start)
        }
        let integerDigits = position - start
        var flags = JSONToken.Flags.integerSyntax
        if position < count, base[position] == UInt8(ascii: ".") {
            flags = 0
            position += 1
            guard position < count, isDigit(base[position]) else { throw fail(.invalidNumber, start) }
            skipDigits()
        }
        var exponent = false
        if position < count, base[position] | 0x20 == UInt8(ascii: "e") {
            flags = 0
            exponent = true
            position += 1
            if position < count, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") { position += 1 }
            guard position < count, isDigit(base[position]) else { throw fail(.invalidNumber, start) }
            skipDigits()
        }
        // Only an exponent or hundreds of digits can reach infinity; checking just those keeps
        // ordinary numbers from being converted twice.
        if exponent || integerDigits > 300,
            !JSONNumbers.double(UnsafeBufferPointer(start: base + start, count: position - start)).isFinite
        {
            throw fail(.numberOutOfRange, start)
        }
        try append(.number, flags: flags, start: start, end: position)
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// Eight bytes at a time while eight remain: the numbers devices send most, timestamps and
    /// counters, are ten to twenty digits, and a byte loop took a mispredicted branch at the end
    /// of each.
    @inline(__always) mutating func skipDigits() {
        while count - position >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            // A digit's high nibble is 3, and adding 6 leaves it 3. Adding 6 to a byte of 0xFA or
            // more carries into the byte after it, but only bytes after the first non-digit.
            let notDigits = ((word & Self.highNibbles) ^ Self.threes) | (((word &+ Self.sixes) & Self.highNibbles) ^ Self.threes)
            guard notDigits == 0 else {
                position += notDigits.trailingZeroBitCount / 8
                return
            }
            position += 8
        }
        while position < count, isDigit(base[position]) { position += 1 }
    }

    private static let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
    private static let threes: UInt64 = 0x3030_3030_3030_3030
    private static let sixes: UInt64 = 0x0606_0606_0606_0606
}

/// Numbers' text to `Double`, correctly rounded.
enum JSONNumbers {
    /// The value of a number's text (already checked to be JSON syntax). Exact in the common case
    /// (at most 19 digits, a significand up to 2^53 and a power of ten up to 22: one correctly
    /// rounded IEEE operation, Clinger's fast path); otherwise the C library's correctly rounded
    /// `strtod`, through `Double(_: String)`.
    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double {
        let count = text.count
        let digitsAt = text.baseAddress!
        var index = 0
        let negative = digitsAt[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while index < count {
            let digit = digitsAt[index] &- UInt8(ascii: "0")
            if digit >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            index += 1
        }
        digits = index - (negative ? 1 : 0)
        if index < count, digitsAt[index] == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            while index < count {
                let digit = digitsAt[index] &- UInt8(ascii: "0")
                if digit >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                index += 1
            }
            digits += index - fraction
            exponent = fraction - index
        }
        if index < count {  // the exponent
            index += 1
            var sign = 1
            if digitsAt[index] == UInt8(ascii: "-") {
                sign = -1
                index += 1
            } else if digitsAt[index] == UInt8(ascii: "+") {
                index += 1
            }
            var written = 0
            while index < count {
                if written < 100_000 { written = written * 10 + Int(digitsAt[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            exponent += sign * written
        }
        if digits <= 19 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
                let value = exponent < 0 ? Double(mantissa) / powerOfTen(-exponent) : Double(mantissa) * powerOfTen(exponent)
                return negative ? -value : value
            }
        }
        return Double(String(decoding: text, as: UTF8.self)) ?? .nan
    }

    /// 10^exponent for 0...22, each exactly a double.
    @inline(__always) static func powerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }
}
