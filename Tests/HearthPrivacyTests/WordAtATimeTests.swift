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
}
