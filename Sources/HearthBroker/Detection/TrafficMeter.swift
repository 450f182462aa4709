import HearthCore
import Synchronization

/// One device connection's publishes, counted on its event loop and read by the detection
/// harvest on another thread: two relaxed atomic adds per message, no lock on the hot path.
final class TrafficMeter: Sendable {
    let device: DeviceFacts
    let household: HouseholdID
    let messages = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
    /// Publishes per second beyond which the connection refuses them; 0: no limit.
    let limit = Atomic<Int>(0)

    init(device: DeviceFacts, household: HouseholdID) {
        self.device = device
        self.household = household
    }

    func count(bytes size: Int) {
        messages.add(1, ordering: .relaxed)
        bytes.add(size, ordering: .relaxed)
    }
}

/// A rate limit's budget, kept by the connection on its event loop: up to one second's worth of
/// publishes may go at once, refilled at the limit's rate.
struct RateBudget {
    private var tokens: Double = 0
    private var refilledAt: UInt64 = 0
    private var limit = 0

    /// Whether a publish at `now` (nanoseconds, monotonic) fits under `limit` per second.
    mutating func admit(limit: Int, now: UInt64) -> Bool {
        if limit != self.limit {
            self.limit = limit
            tokens = Double(limit)
            refilledAt = now
        }
        let elapsed = Double(now &- refilledAt) / 1e9
        tokens = min(Double(limit), tokens + elapsed * Double(limit))
        refilledAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
