/// Durations as declarations write them: a positive integer and a unit, `s`, `m`, `h` or `d`
/// (`90s`, `15m`, `7d`), no leading zero.
enum DurationText {
    /// Whole seconds, or nil when the text is not of that form (or absurdly long).
    static func seconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 12, let unit = bytes.last, bytes[0] != UInt8(ascii: "0") else { return nil }
        var number: Int64 = 0
        for byte in bytes.dropLast() {
            guard byte &- UInt8(ascii: "0") < 10 else { return nil }
            number = number * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        switch unit {
        case UInt8(ascii: "s"): return number
        case UInt8(ascii: "m"): return number * 60
        case UInt8(ascii: "h"): return number * 3600
        case UInt8(ascii: "d"): return number * 86400
        default: return nil
        }
    }

    /// `seconds` (since the Unix epoch) floored to a multiple of `period` (positive): where a
    /// `coarsen` period or an aggregation window that holds it starts, before the epoch too.
    static func floor(_ seconds: Int64, toMultipleOf period: Int64) -> Int64 {
        seconds >= 0 ? seconds / period * period : -((-seconds + period - 1) / period) * period
    }
}
