/// End-to-end latencies in microseconds, bucketed log-linearly: exact below 128 µs, then 128
/// buckets per power of two (under 0.8 % error), so one connection's record of millions of
/// messages is a fixed ~4,500-entry array that merges by addition.
struct LatencyHistogram: Sendable {
    private static let subBits = 7
    private static let subCount = 1 << subBits
    /// Enough for 2^40 µs (12 days); longer latencies land in the last bucket.
    private static let bucketCount = (41 - subBits + 1) * subCount

    private(set) var counts: [UInt64]
    private(set) var total: UInt64 = 0
    private(set) var maximum: UInt64 = 0

    init() { counts = [UInt64](repeating: 0, count: Self.bucketCount) }

    mutating func record(microseconds value: UInt64) {
        counts[min(Self.index(value), Self.bucketCount - 1)] &+= 1
        total &+= 1
        maximum = max(maximum, value)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total &+= other.total
        maximum = max(maximum, other.maximum)
    }

    /// The latency (µs) below which `fraction` of the records fall: the middle of its bucket.
    func percentile(_ fraction: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = max(1, UInt64((Double(total) * fraction).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.middle(of: index), maximum) }
        }
        return maximum
    }

    private static func index(_ value: UInt64) -> Int {
        guard value >= UInt64(subCount) else { return Int(value) }
        let shift = (63 - value.leadingZeroBitCount) - subBits
        return (shift + 1) * subCount + Int(value >> UInt64(shift)) - subCount
    }

    private static func middle(of index: Int) -> UInt64 {
        guard index >= subCount else { return UInt64(index) }
        let shift = index / subCount - 1
        let low = UInt64(index % subCount + subCount) << UInt64(shift)
        return low + (UInt64(1) << UInt64(shift)) / 2
    }
}
