import Foundation

/// When a webhook delivery that failed is tried again: after `first`, doubling each time up to
/// `maximum`, with up to a tenth more at random so a receiver back from an outage is not hit by
/// every queued delivery in the same second; after `attempts` tries it is given up.
public struct WebhookRetry: Sendable, Hashable {
    public var first: TimeInterval = 5
    public var maximum: TimeInterval = 3600
    public var attempts = 10

    public init() {}

    /// The wait after the `failures`-th failed attempt (1 for the first), or nil when the delivery
    /// is given up. `jitter` is a number in 0..<1.
    public func delay(afterFailure failures: Int, jitter: Double) -> TimeInterval? {
        guard failures >= 1, failures < attempts else { return nil }
        let base = min(maximum, first * pow(2, Double(failures - 1)))
        return base * (1 + 0.1 * min(max(jitter, 0), 1))
    }

    /// Whether an answer with this HTTP status was a delivery. Anything else — a refusal, an
    /// outage, a redirect (not followed: the hub posts only where it was told to) — is retried.
    public static func delivered(status: Int) -> Bool {
        (200..<300).contains(status)
    }
}
