import Foundation
import HearthCore
import Testing

/// The token bucket behind the device-authorization limiter and a declared flow's limit.
@Suite struct TokenBucketTests {
    @Test func aFullBucketEmptiesThenRefillsAtItsRate() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var bucket = TokenBucket(capacity: 3, perSecond: 0.5, at: start)
        var taken: [Bool] = []
        for _ in 0..<4 { taken.append(bucket.take(at: start)) }
        #expect(taken == [true, true, true, false] && bucket.secondsUntilNext == 2)
        let early = bucket.take(at: start.addingTimeInterval(1.5))
        #expect(!early && bucket.secondsUntilNext == 1)
        let due = bucket.take(at: start.addingTimeInterval(2))
        #expect(due)
        // Never more than its capacity, however long it rested.
        let later = start.addingTimeInterval(3600)
        taken = []
        for _ in 0..<4 { taken.append(bucket.take(at: later)) }
        #expect(taken == [true, true, true, false])
    }
}
