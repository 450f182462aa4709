/// The waits a load gate tells the callers it refuses, as appointments at the rate it can serve.
///
/// A fixed or random `Retry-After` of a few seconds suits a few extra callers. Ten thousand devices
/// whose certificates all came due would be back within those seconds and refused again — each
/// time after a full TLS handshake — while a long random wait leaves the hub idle at the end of the
/// storm with devices still waiting. So each refused caller is given the next free second in a book
/// kept at the rate the gate finishes work when it is full: the crowd comes back as fast as the
/// hub can serve it, and no faster. The book fills nine tenths of that rate, leaving room for
/// callers that were never refused. The rate is measured over windows in which the gate refused
/// someone (it was full); a window without refusals only raises it.
public struct RetryAppointments: Sendable {
    /// The shortest wait told (seconds)…
    public let floor: Int
    /// …and the longest: past it the book is full, and a caller refused then is told this and
    /// booked again when it comes back.
    public let ceiling: Int
    public let window: Duration
    /// Operations finished per second while the gate was full, as last measured; until the first
    /// full window, the estimate it was made with.
    public private(set) var rate: Double
    /// The last appointment given.
    private var booked: ContinuousClock.Instant?
    private var windowStart: ContinuousClock.Instant?
    private var refused = 0
    private var finished = 0

    /// The share of the measured rate the book fills.
    static let bookedShare = 0.9
    /// A rate never estimated below this (per second), so one slow window cannot push every
    /// appointment to the ceiling.
    static let slowestRate = 0.5

    public init(floor: Int = 1, ceiling: Int = 120, window: Duration = .seconds(2), initialRate: Double) {
        self.floor = max(1, floor)
        self.ceiling = max(self.floor, ceiling)
        self.window = window
        rate = max(Self.slowestRate, initialRate)
    }

    /// A caller was refused at `now`: the seconds until its appointment.
    public mutating func refusal(at now: ContinuousClock.Instant) -> Int {
        advance(to: now)
        refused += 1
        let earliest = now + .seconds(floor)
        let next = booked.map { $0 + .seconds(1 / (rate * Self.bookedShare)) } ?? earliest
        let appointment = min(max(next, earliest), now + .seconds(ceiling))
        booked = appointment
        // Whole seconds, rounded up: never before the appointment, and within [floor, ceiling]
        // since the appointment is.
        return Int((appointment - now).seconds.rounded(.up))
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
        let elapsed = now - start
        guard elapsed >= window else { return }
        let measured = Double(finished) / elapsed.seconds
        // Full (it refused someone): what it finished is what it can do. Not full: at least that.
        rate = max(Self.slowestRate, refused > 0 ? (rate + measured) / 2 : max(rate, measured))
        windowStart = now
        refused = 0
        finished = 0
    }
}
