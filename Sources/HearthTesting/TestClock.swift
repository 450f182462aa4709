import Foundation
import HearthCore
import Synchronization

/// A clock that stands still until a test moves it, to expire sessions and back-offs without sleeping.
public final class TestClock: HearthClock {
    // Mutex (a lock, not a lock-free scheme): `now` is synchronous, so an actor cannot serve it.
    private let current: Mutex<Date>

    /// Starts at `start`, truncated to the millisecond like ``SystemClock``.
    public init(_ start: Date = Date()) {
        self.current = Mutex(Date(unixMilliseconds: start.unixMilliseconds))
    }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
