import Foundation
import HearthCore

/// Slows down password guessing: per account and per source address, after a few free
/// failures each further failure doubles the wait before the next attempt is even checked
/// (1 s, 2 s, 4 s … up to 15 minutes). A success clears the account's count.
///
/// Kept in memory: a throttled attempt must not write to the database (bad input changes
/// nothing), and a restart forgetting the counts costs an attacker a restart per burst.
public actor SignInThrottle {
    package struct Entry {
        package var failures: Int
        package var lastFailure: Date
    }

    private let clock: any HearthClock
    private let freeFailures: Int
    private let maximumDelay: TimeInterval = 15 * 60
    private var entries: [String: Entry] = [:]

    public init(clock: any HearthClock, freeFailures: Int) {
        self.clock = clock
        self.freeFailures = freeFailures
    }

    /// Seconds to wait before `keys` may try again; 0 when an attempt is allowed now.
    public func retryAfter(_ keys: [String]) -> Int {
        let now = clock.now
        var wait: TimeInterval = 0
        for key in keys {
            guard let entry = entries[key] else { continue }
            let until = entry.lastFailure.addingTimeInterval(delay(after: entry.failures))
            wait = max(wait, until.timeIntervalSince(now))
        }
        return wait > 0 ? Int(wait.rounded(.up)) : 0
    }

    public func recordFailure(_ keys: [String]) {
        let now = clock.now
        for key in keys {
            var entry = entries[key] ?? Entry(failures: 0, lastFailure: now)
            entry.failures += 1
            entry.lastFailure = now
            entries[key] = entry
        }
        if entries.count > 10_000 { forgetStale(now: now) }
    }

    /// The failures counted for `key`, for a limit that ends something (a pending request)
    /// rather than slowing the next attempt down.
    public func failures(_ key: String) -> Int {
        entries[key]?.failures ?? 0
    }

    public func recordSuccess(_ key: String) {
        entries[key] = nil
    }

    private func delay(after failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        return min(maximumDelay, pow(2, Double(failures - freeFailures)))
    }

    /// Drops entries whose back-off ended long ago, bounding memory under a spray of addresses.
    private func forgetStale(now: Date) {
        entries = entries.filter { _, entry in
            now.timeIntervalSince(entry.lastFailure) < delay(after: entry.failures) + 3600
        }
    }
}

extension SignInThrottle {
    /// Refuses at once (429 with `Retry-After`) while any of `keys` is backed off; nothing is
    /// written. `what` names what was repeated, for the message.
    package func enforce(_ keys: [String], _ what: String = "failed attempts") throws {
        let wait = retryAfter(keys)
        guard wait == 0 else { throw HearthError.throttled(retryAfter: wait, what) }
    }
}
