import Foundation
import HearthCore
import Testing

struct SystemClockTests {
    /// The coarse reading is the kernel's time as of its last tick: never ahead of a reading taken
    /// after it, and no more than a tick (4 ms at 250 Hz, 10 ms at 100 Hz) behind one taken before.
    @Test func theCoarseTimeTrailsTheTimeByATickAtMost() {
        let clock = SystemClock()
        for _ in 0..<1_000 {
            let before = clock.now
            let coarse = clock.coarseNow
            let after = clock.now
            #expect(coarse <= after)
            #expect(coarse >= before.addingTimeInterval(-0.011), "\(before.timeIntervalSince(coarse)) s behind")
        }
    }
}
