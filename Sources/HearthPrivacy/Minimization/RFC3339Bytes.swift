/// RFC 3339 timestamps read and written as bytes, for coarsening and aggregate windows on the
/// hot path (HearthCore's `RFC3339` goes through Foundation's formatters, microseconds a call).
///
/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (§5.6; `t`, `z` in either case; second 60 is
/// taken as the next minute's 0). Writes `YYYY-MM-DDTHH:MM:SSZ`. Civil dates are converted with
/// Howard Hinnant's `days_from_civil` algorithm (proleptic Gregorian).
enum RFC3339Bytes {
    /// Unix seconds, the fraction dropped, or nil when the text is not a timestamp.
    static func seconds(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = text.count
        guard count >= 20, let base = text.baseAddress else { return nil }
        @inline(__always) func digit(_ offset: Int) -> Int64 { Int64(base[offset] &- UInt8(ascii: "0")) }
        // Every digit position at once: a byte below '0' wraps around, so one test bounds both sides.
        for offset in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] where base[offset] &- UInt8(ascii: "0") >= 10 {
            return nil
        }
        guard base[4] == UInt8(ascii: "-"), base[7] == UInt8(ascii: "-"), base[10] | 0x20 == UInt8(ascii: "t"),
            base[13] == UInt8(ascii: ":"), base[16] == UInt8(ascii: ":")
        else { return nil }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let month = digit(5) * 10 + digit(6)
        let day = digit(8) * 10 + digit(9)
        let hour = digit(11) * 10 + digit(12)
        let minute = digit(14) * 10 + digit(15)
        let second = digit(17) * 10 + digit(18)
        guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month), hour <= 23, minute <= 59, second <= 60 else {
            return nil
        }
        var index = 19
        if base[index] == UInt8(ascii: ".") {
            index += 1
            let digits = index
            while index < count, base[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            guard index > digits else { return nil }
        }
        guard index < count else { return nil }
        var offset: Int64 = 0
        if base[index] | 0x20 == UInt8(ascii: "z") {
            index += 1
        } else {
            guard count - index == 6, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-"),
                base[index + 1] &- UInt8(ascii: "0") < 10, base[index + 2] &- UInt8(ascii: "0") < 10,
                base[index + 3] == UInt8(ascii: ":"), base[index + 4] &- UInt8(ascii: "0") < 10,
                base[index + 5] &- UInt8(ascii: "0") < 10
            else { return nil }
            let hours = digit(index + 1) * 10 + digit(index + 2)
            let minutes = digit(index + 4) * 10 + digit(index + 5)
            guard hours <= 23, minutes <= 59 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (base[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        }
        guard index == count else { return nil }
        return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    }

    /// `"YYYY-MM-DDTHH:MM:SSZ"`, quoted (22 bytes); false, with nothing written, for a year
    /// outside 0000–9999.
    @discardableResult static func write(_ seconds: Int64, to sink: inout ByteSink) -> Bool {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let time = Int(seconds - days * 86400)
        let (year, month, day) = civil(days)
        guard (0...9999).contains(year) else { return false }
        let out = sink.base + sink.count
        let pairs = digitPairs.utf8Start
        @inline(__always) func two(_ value: Int, at offset: Int) {
            out[offset] = pairs[2 * value]
            out[offset + 1] = pairs[2 * value + 1]
        }
        out[0] = UInt8(ascii: "\"")
        two(Int(year) / 100, at: 1)
        two(Int(year) % 100, at: 3)
        out[5] = UInt8(ascii: "-")
        two(Int(month), at: 6)
        out[8] = UInt8(ascii: "-")
        two(Int(day), at: 9)
        out[11] = UInt8(ascii: "T")
        two(time / 3600, at: 12)
        out[14] = UInt8(ascii: ":")
        two(time / 60 % 60, at: 15)
        out[17] = UInt8(ascii: ":")
        two(time % 60, at: 18)
        out[20] = UInt8(ascii: "Z")
        out[21] = UInt8(ascii: "\"")
        sink.count += 22
        return true
    }

    /// "00" to "99", back to back: two digits with one lookup.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// The same, appended to a `JSONWriter`.
    @discardableResult static func write(_ seconds: Int64, to writer: inout JSONWriter) -> Bool {
        var written = false
        writer.viaSink { written = write(seconds, to: &$0) }
        return written
    }

    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
