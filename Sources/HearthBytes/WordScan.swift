/// Searches over raw bytes eight at a time, for the parsers that every message goes through: the
/// MQTT codec's topic check and the telemetry pipeline's redaction scan both ask whether a run of
/// bytes holds any of three values, and a byte-by-byte walk cost about 2 ns a byte there.
public enum WordScan {
    /// Whether any byte of `bytes` is `a`, `b` or `c`. A word holds a zero byte exactly when
    /// `(w - 0x01…01) & ~w & 0x80…80` is not zero, and a byte equal to `x` is a zero byte of
    /// `w ^ (x × 0x01…01)`; the bytes after the last whole word are looked at one by one.
    @inlinable @inline(__always)
    public static func contains(_ a: UInt8, _ b: UInt8, _ c: UInt8, in bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let (wordA, wordB, wordC) = (ones &* UInt64(a), ones &* UInt64(b), ones &* UInt64(c))
        @inline(__always) func holdsZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & (ones << 7) != 0 }
        var index = 0
        while bytes.count - index >= 8 {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if holdsZero(word ^ wordA) || holdsZero(word ^ wordB) || holdsZero(word ^ wordC) { return true }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == a || byte == b || byte == c { return true }
            index += 1
        }
        return false
    }
}
