import Synchronization

/// What the privacy gate counted since the hub started: the privacy metrics' counters.
final class PrivacyCounters: Sendable {
    /// Refused PUBLISHes by reason: `undeclared-flow`, `schema`, `not-json`.
    private let refused = Mutex<[String: Int]>([:])
    let forwarded = Atomic<Int>(0)
    let absorbed = Atomic<Int>(0)

    func refuse(_ reason: String) {
        refused.withLock { $0[reason, default: 0] += 1 }
    }

    var refusedByReason: [String: Int] { refused.withLock { $0 } }
}
