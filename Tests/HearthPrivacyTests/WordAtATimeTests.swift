@testable import HearthPrivacy
import Testing

/// The hot path's loops that read eight bytes at a time, against what a byte-by-byte walk finds.
@Suite struct WordAtATimeTests {
    /// `JSONStrings.bytesEqual`, what the memo takes a member again by: one changed bit at any
    /// position of runs of 0–40 bytes is found, whatever the run's length modulo eight.
    @Test func aChangedByteIsFoundAtEveryPositionOfEveryLength() {
        var missed: [(count: Int, position: Int)] = []
        for count in 0...40 {
            let original = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var changed = original
            original.withUnsafeBufferPointer { a in
                #expect(changed.withUnsafeBufferPointer { JSONStrings.bytesEqual(a, $0) }, "\(count) equal bytes")
                for position in 0..<count {
                    changed[position] ^= 0x01
                    if changed.withUnsafeBufferPointer({ JSONStrings.bytesEqual(a, $0) }) { missed.append((count, position)) }
                    changed[position] ^= 0x01
                }
            }
        }
        #expect(missed.isEmpty, "not found: \(missed)")
    }

    /// `JSONScanner.skipDigits`: runs of 0–40 digits, then every byte value, then bytes that carry
    /// when 6 is added to them: it stops at the first byte that is not a digit, as the byte loop does.
    @Test func aRunOfDigitsEndsAtTheFirstByteThatIsNotOne() {
        var wrong: [(digits: Int, after: UInt8, stopped: Int)] = []
        for digits in 0...40 {
            for after in UInt8.min...UInt8.max {
                let bytes = (0..<digits).map { UInt8(ascii: "0") + UInt8($0 % 10) } + [after] + [UInt8](repeating: 0xFF, count: 9)
                let expected = after &- UInt8(ascii: "0") < 10 ? digits + 1 : digits
                let stopped = bytes.withUnsafeBufferPointer { buffer in
                    withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: 1) { tokens in
                        var scanner = JSONScanner(base: buffer.baseAddress!, count: buffer.count, tokens: tokens.baseAddress!, capacity: 1)
                        scanner.skipDigits()
                        return scanner.position
                    }
                }
                if stopped != expected { wrong.append((digits, after, stopped)) }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }
}
