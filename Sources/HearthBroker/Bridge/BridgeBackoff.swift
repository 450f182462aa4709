import Foundation
import HearthCore
import NIOCore

/// How long a bridge waits before it dials again: the failure back-off every throttle shares
/// (1 s doubling up to 60 s), each delay between half and all of it so that hubs cut off by the
/// same outage do not all come back in the same second ("equal jitter").
struct BridgeBackoff: Equatable {
    static let doubling = FailureBackOff(freeFailures: 0, maximumDelay: 60)
    /// Failed attempts since the broker last accepted a CONNECT.
    private(set) var failures = 0

    /// The delay before the next attempt; `jitter` is a random number in 0...1 (the caller draws
    /// it, so the machine stays deterministic under test).
    mutating func nextDelay(jitter: Double) -> TimeAmount {
        let ceiling = Self.doubling.delay(after: failures)
        failures += 1
        let seconds = ceiling * (0.5 + 0.5 * min(max(jitter, 0), 1))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    mutating func reset() { failures = 0 }
}
