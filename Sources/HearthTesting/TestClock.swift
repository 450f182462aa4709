import Foundation
import HearthCore
import Synchronization

/// A clock that stands still until a test moves it, to expire sessions and back-offs without
/// sleeping — or, `ticking`, one that also runs with real time, for a test whose outside client
/// waits in real time for something the hub times by its clock (an MQTT message's expiry).
public final class TestClock: HearthClock {
    // Mutex (a lock, not a lock-free scheme): `now` is synchronous, so an actor cannot serve it.
    private let current: Mutex<Date>
    private let started: ContinuousClock.Instant?

    /// Starts at `start`, truncated to the millisecond like ``SystemClock``.
    public init(_ start: Date = Date(), ticking: Bool = false) {
        self.current = Mutex(Date(unixMilliseconds: start.unixMilliseconds))
        self.started = ticking ? ContinuousClock.now : nil
    }

    public var now: Date {
        let moved = current.withLock { $0 }
        guard let started else { return moved }
        return Date(unixMilliseconds: moved.addingTimeInterval((ContinuousClock.now - started).seconds).unixMilliseconds)
    }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
