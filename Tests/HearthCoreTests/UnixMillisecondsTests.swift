import Foundation
import HearthCore
import Testing

/// Times are stored as milliseconds since 1970 (Int64) on both engines.
struct UnixMillisecondsTests {
    @Test func aTimeRoundTripsThroughItsMilliseconds() {
        let time = Date(unixMilliseconds: 1_796_000_123_456)
        #expect(time.unixMilliseconds == 1_796_000_123_456)
        #expect(Date(timeIntervalSince1970: -1.5).unixMilliseconds == -1_500)
    }

    /// A date computed from a huge offset (a query's window, say) saturates instead of trapping.
    @Test func aDateBeyondInt64MillisecondsSaturates() {
        #expect(Date(timeIntervalSince1970: 9e18).unixMilliseconds == .max)
        #expect(Date(timeIntervalSince1970: -9e18).unixMilliseconds == .min)
        #expect(Date.distantFuture.addingTimeInterval(5.9e17).unixMilliseconds == .max)
    }
}
