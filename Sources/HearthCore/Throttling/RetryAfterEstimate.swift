/// The longest wait a load gate tells a refused caller, fitted to the crowd it is refusing.
///
/// A fixed `Retry-After` of a few seconds suits a few extra callers. Ten thousand devices whose
/// certificates all came due would be back within those seconds, refused again — each time after a
/// full TLS handshake — and would use up their retries before the hub got through them. So the
/// longest wait follows what the gate saw in its last window: while it refused `r` and finished
/// `f`, the callers it turned away come back `(r + f) / f` times as fast as it can serve them, and
/// the longest wait grows by the square root of that (damped: the same crowd is counted again in
/// the next window); a window with no refusal halves it, down to the floor. The caller is told a
/// wait drawn between 1 s and the longest, so the crowd comes back spread over it.
public struct RetryAfterEstimate: Sendable {
    /// The longest wait never goes below this (seconds)…
    public let floor: Int
    /// …nor above this.
    public let ceiling: Int
    public let window: Duration
    public private(set) var longest: Int
    private var windowStart: ContinuousClock.Instant?
    private var refused = 0
    private var finished = 0

    public init(floor: Int = 5, ceiling: Int = 120, window: Duration = .seconds(2)) {
        self.floor = max(1, floor)
        self.ceiling = max(self.floor, ceiling)
        self.window = window
        longest = self.floor
    }

    /// A caller was refused at `now`; the longest wait to tell it.
    public mutating func refusal(at now: ContinuousClock.Instant) -> Int {
        advance(to: now)
        refused += 1
        return longest
    }

    /// An admitted operation finished at `now`.
    public mutating func completion(at now: ContinuousClock.Instant) {
        advance(to: now)
        finished += 1
    }

    private mutating func advance(to now: ContinuousClock.Instant) {
        guard let start = windowStart else {
            windowStart = now
            return
        }
        guard now - start >= window else { return }
        if refused > 0 {
            let pressure = Double(refused + finished) / Double(max(finished, 1))
            longest = min(ceiling, Int((Double(longest) * pressure.squareRoot()).rounded(.up)))
        }
        // A window without refusals halves it, and so does each quiet window after it.
        let halvings = (refused == 0 ? 1 : 0) + min(max(Int((now - start) / window) - 1, 0), 8)
        longest = max(floor, longest >> halvings)
        windowStart = now
        refused = 0
        finished = 0
    }
}
