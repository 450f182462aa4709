import Foundation
import HearthCore
import HearthDetection

/// Slows down guessing, in this process's memory: per key (a source address, a household's
/// pairing codes, a client, a device authorization request), after a few free failures each
/// further failure doubles the wait before the next attempt is even checked (``FailureBackOff``).
///
/// Per process, on purpose, for the guessing it is used for — pairing codes, OAuth client
/// credentials, refused access tokens, user codes, the current password of a password change:
/// a throttled attempt must not write to the database (bad input changes nothing), and a restart
/// or another node costs an attacker a fresh budget, bounded by what each of those already limits
/// (a pairing window's lifetime, a request's cap on wrong codes, a session already held).
/// Password sign-in, the guessing that matters across nodes, is shared through the database
/// instead (``SharedSignInThrottle``).
public actor SignInThrottle {
    private let clock: any HearthClock
    private let backOff: FailureBackOff
    private var entries: [String: FailureCount] = [:]
    /// Where each failure is also signalled to detection (nil: not watched).
    private let signals: FailureSignals?

    public init(clock: any HearthClock, freeFailures: Int, signals: FailureSignals? = nil) {
        self.clock = clock
        self.backOff = FailureBackOff(freeFailures: freeFailures)
        self.signals = signals
    }

    /// Seconds to wait before `keys` may try again; 0 when an attempt is allowed now.
    public func retryAfter(_ keys: [String]) -> Int {
        backOff.retryAfter(keys.compactMap { entries[$0] }, now: clock.now)
    }

    public func recordFailure(_ keys: [String]) {
        let now = clock.now
        signals?.failed(keys, at: now)
        for key in keys { entries[key] = backOff.adding(entries[key], at: now) }
        // Bounds memory under a spray of addresses.
        if entries.count > 10_000 { entries = entries.filter { !backOff.isForgettable($1, now: now) } }
    }

    /// The failures counted for `key`, for a limit that ends something (a pending request)
    /// rather than slowing the next attempt down.
    public func failures(_ key: String) -> Int {
        entries[key]?.failures ?? 0
    }

    public func recordSuccess(_ key: String) {
        entries[key] = nil
    }
}

extension SignInThrottle {
    /// Refuses at once (429 with `Retry-After`) while any of `keys` is backed off; nothing is
    /// written. `what` names what was repeated, for the message.
    package func enforce(_ keys: [String], _ what: String = "failed attempts") throws {
        let wait = retryAfter(keys)
        guard wait == 0 else { throw HearthError.throttled(retryAfter: wait, what) }
    }
}
