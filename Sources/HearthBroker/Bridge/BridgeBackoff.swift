import Foundation
import NIOCore

/// How long a bridge waits before it dials again: doubling from `initial` up to `maximum`, each
/// delay between half and all of that ceiling so that hubs cut off by the same outage do not all
/// come back in the same second ("equal jitter").
struct BridgeBackoff: Equatable {
    var initial: TimeInterval = 1
    var maximum: TimeInterval = 60
    /// Failed attempts since the broker last accepted a CONNECT.
    private(set) var failures = 0

    /// The delay before the next attempt; `jitter` is a random number in 0...1 (the caller draws
    /// it, so the machine stays deterministic under test).
    mutating func nextDelay(jitter: Double) -> TimeAmount {
        // 2^30 s is far past any cap: stop doubling before the Double grows pointlessly.
        let ceiling = min(maximum, initial * pow(2, Double(min(failures, 30))))
        failures += 1
        let seconds = ceiling * (0.5 + 0.5 * min(max(jitter, 0), 1))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    mutating func reset() { failures = 0 }
}
