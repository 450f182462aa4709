import Foundation
import HearthCore
import Testing

@Suite struct FailureBackOffTests {
    let backOff = FailureBackOff(freeFailures: 3)
    let start = Date(unixMilliseconds: 1_700_000_000_000)

    @Test func freeFailuresCostNothingThenTheDelayDoublesUpToFifteenMinutes() {
        #expect((0..<3).map { backOff.delay(after: $0) } == [0, 0, 0])
        #expect((3..<8).map { backOff.delay(after: $0) } == [1, 2, 4, 8, 16])
        #expect(backOff.delay(after: 12) == 512)
        #expect(backOff.delay(after: 13) == 900)
        #expect(backOff.delay(after: 10_000) == 900, "no overflow however many failures")
    }

    @Test func theWaitIsTheLongestOfTheKeysRoundedUpToWholeSeconds() {
        let short = FailureCount(failures: 3, lastFailure: start)  // 1 s
        let long = FailureCount(failures: 5, lastFailure: start)  // 4 s
        #expect(backOff.retryAfter([short, long], now: start) == 4)
        #expect(backOff.retryAfter([short, long], now: start.addingTimeInterval(0.2)) == 4)
        #expect(backOff.retryAfter([short, long], now: start.addingTimeInterval(3.5)) == 1)
        #expect(backOff.retryAfter([short, long], now: start.addingTimeInterval(4)) == 0)
        #expect(backOff.retryAfter([FailureCount(failures: 2, lastFailure: start)], now: start) == 0)
        #expect(backOff.retryAfter([FailureCount](), now: start) == 0)
    }

    /// A count is remembered for an hour after its back-off ended; the sweep's single cut-off
    /// never forgets a count that the per-count rule would still keep.
    @Test func countsAreForgottenAnHourAfterTheirBackOffEnded() {
        let busy = FailureCount(failures: 20, lastFailure: start)  // 15 min
        #expect(!backOff.isForgettable(busy, now: start.addingTimeInterval(900 + 3599)))
        #expect(backOff.isForgettable(busy, now: start.addingTimeInterval(900 + 3600)))
        let quiet = FailureCount(failures: 1, lastFailure: start)
        #expect(backOff.isForgettable(quiet, now: start.addingTimeInterval(3600)))

        let now = start.addingTimeInterval(86_400)
        let cutOff = backOff.forgettable(before: now)
        #expect(cutOff == now.addingTimeInterval(-(900 + 3600)))
        for failures in [0, 3, 8, 13, 50] {
            #expect(backOff.isForgettable(FailureCount(failures: failures, lastFailure: cutOff), now: now))
        }
    }
}
