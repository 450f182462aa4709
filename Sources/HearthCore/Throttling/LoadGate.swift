import Synchronization

/// Sheds work before the hub saturates: at most `limit` operations of one kind run at once, and
/// the next is refused at once with `overloaded` (503 and `Retry-After`) instead of queueing
/// behind them. A renewal storm or an app hammering the token endpoint then costs the hub a short
/// answer per extra request, the admitted ones keep their latency, and the refused come back
/// later — spread, because the wait each is told is drawn at random up to a longest wait that
/// grows with the crowd (``RetryAfterEstimate``).
public final class LoadGate: Sendable {
    public let limit: Int
    /// What the gate admits, for the refusal's text ("certificate renewals").
    public let what: String
    /// The seconds a refused caller is told to wait, one drawn per refusal, while the crowd is
    /// small; a larger crowd is told waits up to ``RetryAfterEstimate/longest``.
    public let retryAfter: ClosedRange<Int>
    private let running = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let estimate: Mutex<RetryAfterEstimate>
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        limit: Int, what: String, retryAfter: ClosedRange<Int> = 1...5, longestRetryAfter: Int = 120,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.limit = max(1, limit)
        self.what = what
        self.retryAfter = retryAfter
        self.estimate = Mutex(RetryAfterEstimate(floor: retryAfter.upperBound, ceiling: longestRetryAfter))
        self.now = now
    }

    /// The longest wait a refusal is told now.
    public var longestRetryAfter: Int { estimate.withLock { $0.longest } }

    /// Operations running now.
    public var inFlight: Int { running.load(ordering: .relaxed) }
    /// Operations refused since the gate was made.
    public var refusals: Int { refused.load(ordering: .relaxed) }

    /// Runs `operation` if fewer than `limit` are running; otherwise throws `overloaded`.
    public func run<Result: Sendable>(_ operation: () async throws -> Result) async throws -> Result {
        let admitted = running.wrappingAdd(1, ordering: .acquiring).newValue
        defer { running.wrappingSubtract(1, ordering: .releasing) }
        guard admitted <= limit else {
            refused.wrappingAdd(1, ordering: .relaxed)
            let longest = estimate.withLock { $0.refusal(at: now()) }
            let wait = Int.random(in: retryAfter.lowerBound...max(retryAfter.upperBound, longest))
            throw HearthError(
                .overloaded, "the hub is busy with \(what) (\(limit) at once); try again in \(wait) s", retryAfter: wait)
        }
        defer { estimate.withLock { $0.completion(at: now()) } }
        return try await operation()
    }
}
