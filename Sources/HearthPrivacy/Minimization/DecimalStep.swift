/// A rounding step as a decimal, `mantissa` × 10^-`scale` (0.5 is 5 × 10^-1), taken from the
/// double's shortest text: rounded values are computed as integers times the step's mantissa, so
/// `round(21.4999, to: 0.5)` writes `21.5` exactly, with the step's decimal places at most.
struct DecimalStep: Sendable, Hashable {
    let value: Double
    let mantissa: Int64
    let scale: Int

    init?(_ value: Double) {
        guard value > 0, value.isFinite else { return nil }
        var digits: Int64 = 0
        var fraction = 0
        var exponent = 0
        var seenDot = false
        var inExponent = false
        var exponentSign = 1
        for byte in value.description.utf8 {
            switch byte {
            case UInt8(ascii: "."): seenDot = true
            case UInt8(ascii: "e"): inExponent = true
            case UInt8(ascii: "-"): exponentSign = -1
            case UInt8(ascii: "+"): break
            default:
                let digit = Int(byte - UInt8(ascii: "0"))
                if inExponent {
                    exponent = exponent * 10 + digit
                } else {
                    guard digits < Int64.max / 100 else { return nil }
                    digits = digits * 10 + Int64(digit)
                    if seenDot { fraction += 1 }
                }
            }
        }
        var scale = fraction - exponentSign * exponent
        while scale > 0, digits % 10 == 0 {
            digits /= 10
            scale -= 1
        }
        while scale < 0 {
            guard digits < Int64.max / 10 else { return nil }
            digits *= 10
            scale += 1
        }
        guard scale <= 15 else { return nil }
        self.value = value
        mantissa = digits
        self.scale = scale
    }

    /// `number` rounded to a multiple of the step (halves away from zero), as a decimal; nil when
    /// the result would not fit one (then the caller rounds in doubles).
    func round(_ number: Double) -> (mantissa: Int64, scale: Int)? {
        let multiple = (number / value).rounded(.toNearestOrAwayFromZero)
        guard multiple.magnitude < 9.0e15 else { return nil }
        let (product, overflow) = Int64(multiple).multipliedReportingOverflow(by: mantissa)
        return overflow ? nil : (product, scale)
    }
}
