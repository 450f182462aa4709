import Logging

/// Retries with exponential back-off and jitter: waits of 1, 2, 4, … seconds up to a ceiling,
/// each shortened by a random amount up to half, so that a household of devices cut off together
/// (the hub restarted) does not come back in lockstep.
///
/// Only what may pass is retried: network trouble and 5xx answers. A 4xx is the hub's decision
/// (too early, quarantined, revoked) and asking again would only add load and audit entries.
public struct Backoff: Sendable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// Tries in all, the first included.
    public var maximumAttempts: Int

    public init(initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(60), maximumAttempts: Int = 6) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumAttempts = max(1, maximumAttempts)
    }

    /// The longest wait before retry `retry` (1 for the first retry): doubling, capped.
    public func ceiling(beforeRetry retry: Int) -> Duration {
        let doublings = min(max(retry - 1, 0), 30)
        let delay = initialDelay * (1 << doublings)
        return min(delay, maximumDelay)
    }

    /// The wait before retry `retry`: uniformly between half the ceiling and the ceiling.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(beforeRetry: retry)
        return ceiling / 2 + (ceiling / 2) * Double.random(in: 0...1, using: &generator)
    }

    /// The wait before retry `retry` after `error`: when the hub said when to come back
    /// (`Retry-After` on a 503 it shed), that, plus up to a tenth again or a second, whichever is
    /// more — the hub books each refused device its own second at the rate it can serve them, and
    /// the jitter spreads the devices booked the same second over it. The device's own back-off
    /// does not apply: the hub said when it will have room.
    public func delay(after error: any Error, beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        guard let seconds = (error as? HubProblem)?.retryAfter, seconds > 0 else {
            return delay(beforeRetry: retry, using: &generator)
        }
        let asked = Duration.seconds(min(seconds, 3600))
        return asked + max(.seconds(1), asked / 10) * Double.random(in: 0...1, using: &generator)
    }

    public static func isRetriable(_ error: any Error) -> Bool {
        switch error {
        case let error as HubTransportError: error.isRetriable
        case let error as HubProblem: error.isRetriable
        default: false
        }
    }

    /// Runs `operation` until it succeeds, throws something not worth retrying, or the attempts
    /// are used up (then the last error is thrown). Past the attempts it goes on while
    /// `worthRetrying(waited, next)` says so: `waited` is the time slept so far, `next` the wait
    /// before the next try — a renewal is worth retrying while the certificate in hand outlives it.
    public func run<Result>(
        sleep: (Duration) async throws -> Void, logger: Logger, _ what: String,
        worthRetrying: (_ waited: Duration, _ next: Duration) -> Bool = { _, _ in false },
        _ operation: () async throws -> Result
    ) async throws -> Result {
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        var waited = Duration.zero
        while true {
            do {
                return try await operation()
            } catch where Self.isRetriable(error) {
                let wait = delay(after: error, beforeRetry: attempt, using: &generator)
                guard attempt < maximumAttempts || worthRetrying(waited, wait) else { throw error }
                logger.notice("\(what) failed, retrying", metadata: [
                    "attempt": "\(attempt)", "retry-in": "\(wait)", "error": "\(error)",
                ])
                try await sleep(wait)
                waited += wait
                attempt += 1
            }
        }
    }
}
