import Foundation
import HearthCore

/// A token bucket per key (a source address): `burst` requests at once, refilled at `perMinute`.
/// For endpoints where every request, not only a failed one, costs the hub something a stranger
/// should not be able to repeat without bound (a device authorization creates a stored request).
///
/// In memory and per process, like ``SignInThrottle``.
package actor RequestRateLimiter {
    private let clock: any HearthClock
    private let burst: Double
    private let perSecond: Double
    private var buckets: [String: TokenBucket] = [:]

    package init(clock: any HearthClock, burst: Int, perMinute: Int) {
        self.clock = clock
        self.burst = Double(burst)
        self.perSecond = Double(perMinute) / 60
    }

    /// Takes one request from the key's bucket; the seconds to wait when it is empty, else 0.
    package func take(_ key: String) -> Int {
        let now = clock.now
        var bucket = buckets[key] ?? TokenBucket(capacity: burst, perSecond: perSecond, at: now)
        defer { buckets[key] = bucket }
        guard bucket.take(at: now) else { return bucket.secondsUntilNext }
        if buckets.count > 10_000 { buckets = buckets.filter { now.timeIntervalSince($0.value.updated) < burst / perSecond } }
        return 0
    }
}
