import Synchronization

/// Sheds work before the hub saturates: at most `limit` operations of one kind run at once, and
/// the next is refused at once with `overloaded` (503 and `Retry-After`) instead of queueing
/// behind them. A renewal storm or an app hammering the token endpoint then costs the hub a short
/// answer per extra request, the admitted ones keep their latency, and the refused come back when
/// the gate can take them: each is told the next free second of a book kept at the rate the gate
/// finishes work (``RetryAppointments``).
public final class LoadGate: Sendable {
    public let limit: Int
    /// What the gate admits, for the refusal's text ("certificate renewals").
    public let what: String
    private let running = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let appointments: Mutex<RetryAppointments>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `longestRetryAfter`: the longest wait told. Until the gate has measured its rate it assumes
    /// each admitted operation takes half a second.
    public init(
        limit: Int, what: String, longestRetryAfter: Int = 120, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.limit = max(1, limit)
        self.what = what
        self.appointments = Mutex(RetryAppointments(ceiling: longestRetryAfter, initialRate: Double(self.limit) * 2))
        self.now = now
    }

    /// Operations running now.
    public var inFlight: Int { running.load(ordering: .relaxed) }
    /// Operations refused since the gate was made.
    public var refusals: Int { refused.load(ordering: .relaxed) }

    /// Runs `operation` if fewer than `limit` are running — or, when `urgent`, fewer than twice
    /// that — otherwise throws `overloaded`. Urgent is what would cost far more if it waited its
    /// turn: a renewal whose certificate is about to end, which would leave the device to re-pair.
    public func run<Result: Sendable>(urgent: Bool = false, _ operation: () async throws -> Result) async throws -> Result {
        let admitted = running.wrappingAdd(1, ordering: .acquiring).newValue
        defer { running.wrappingSubtract(1, ordering: .releasing) }
        guard admitted <= (urgent ? 2 * limit : limit) else {
            refused.wrappingAdd(1, ordering: .relaxed)
            let wait = appointments.withLock { $0.refusal(at: now()) }
            throw HearthError(
                .overloaded, "the hub is busy with \(what) (\(limit) at once); try again in \(wait) s", retryAfter: wait)
        }
        defer { appointments.withLock { $0.completion(at: now()) } }
        return try await operation()
    }
}
