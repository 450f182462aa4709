import Foundation

/// The failures counted against one throttle key (an account, a source address, a client) and
/// when the newest happened.
public struct FailureCount: Sendable, Hashable {
    public var failures: Int
    public var lastFailure: Date

    public init(failures: Int, lastFailure: Date) {
        self.failures = failures
        self.lastFailure = lastFailure
    }
}

/// The back-off arithmetic of the failure throttles (their counts are shared between nodes
/// through the database), written once, without I/O, and tested on its own.
///
/// After `freeFailures` failures, each further failure doubles the wait before the next attempt
/// is even checked: 1 s, 2 s, 4 s … up to `maximumDelay`.
public struct FailureBackOff: Sendable, Hashable {
    public let freeFailures: Int
    public let maximumDelay: TimeInterval

    /// How long a count is remembered after its back-off ended: a burst spread over less than
    /// this still adds up.
    public static let memory: TimeInterval = 3600

    public init(freeFailures: Int, maximumDelay: TimeInterval = 15 * 60) {
        self.freeFailures = freeFailures
        self.maximumDelay = maximumDelay
    }

    /// The wait after the newest of `failures` failures.
    public func delay(after failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        return min(maximumDelay, pow(2, Double(failures - freeFailures)))
    }

    /// Whole seconds (rounded up) before an attempt is allowed under every one of `counts`; 0 when
    /// one is allowed now.
    public func retryAfter(_ counts: some Sequence<FailureCount>, now: Date) -> Int {
        var wait: TimeInterval = 0
        for count in counts {
            let until = count.lastFailure.addingTimeInterval(delay(after: count.failures))
            wait = max(wait, until.timeIntervalSince(now))
        }
        return wait > 0 ? Int(wait.rounded(.up)) : 0
    }

    /// Whether `count`'s back-off ended more than ``memory`` ago, so it may be forgotten.
    public func isForgettable(_ count: FailureCount, now: Date) -> Bool {
        now.timeIntervalSince(count.lastFailure) >= delay(after: count.failures) + Self.memory
    }

    /// Every count whose newest failure is older than this is forgettable, whatever its number of
    /// failures (no delay exceeds `maximumDelay`): the one cut-off a sweep in SQL needs.
    public func forgettable(before now: Date) -> Date {
        now.addingTimeInterval(-(maximumDelay + Self.memory))
    }
}
