import Synchronization

/// Back-pressure from a subscriber to the publishers feeding it. A connection whose queue of
/// QoS 1/2 messages waiting for in-flight room grows long is congested; a publisher that routed
/// a message to it holds its acknowledgements (so a well-behaved client, which keeps only so many
/// messages unacknowledged, stops sending) until the queue drains. The publisher keeps reading —
/// it must, to take the acknowledgements its own subscriptions need — so two clients feeding each
/// other cannot lock each other up.
final class Congestion: Sendable {
    /// Mutex (a lock, not a lock-free scheme): publishers on other loops read and register here.
    private let state = Mutex<(congested: Bool, waiting: [ConnectionHandle])>((false, []))

    var isCongested: Bool { state.withLock { $0.congested } }

    func begin() {
        state.withLock { $0.congested = true }
    }

    /// Ends congestion; returns the publishers to release.
    func end() -> [ConnectionHandle] {
        state.withLock { state in
            defer { state = (false, []) }
            return state.waiting
        }
    }

    /// Registers a publisher to release when congestion ends; false when it has already ended.
    func wait(_ publisher: ConnectionHandle) -> Bool {
        state.withLock { state in
            guard state.congested else { return false }
            if !state.waiting.contains(where: { $0.id == publisher.id }) { state.waiting.append(publisher) }
            return true
        }
    }
}
