import Foundation

/// A token bucket: up to `capacity` at once, refilled at `perSecond`, full when made. A value:
/// whoever keeps it decides how it is shared (an actor's dictionary, a lock).
public struct TokenBucket: Sendable {
    public let capacity: Double
    public let perSecond: Double
    public private(set) var tokens: Double
    /// When it was last taken from (or made).
    public private(set) var updated: Date

    public init(capacity: Double, perSecond: Double, at now: Date) {
        self.capacity = capacity
        self.perSecond = perSecond
        tokens = capacity
        updated = now
    }

    /// A bucket as it was kept: `tokens` left when it was last taken from at `updated`.
    public init(capacity: Double, perSecond: Double, tokens: Double, updated: Date) {
        self.capacity = capacity
        self.perSecond = perSecond
        self.tokens = tokens
        self.updated = updated
    }

    /// Takes one at `now`; false, taking nothing, when none is left.
    public mutating func take(at now: Date) -> Bool {
        tokens = min(capacity, tokens + max(0, now.timeIntervalSince(updated)) * perSecond)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whole seconds until one is there again (after a `take` that found none).
    public var secondsUntilNext: Int { tokens >= 1 ? 0 : Int(((1 - tokens) / perSecond).rounded(.up)) }
}
