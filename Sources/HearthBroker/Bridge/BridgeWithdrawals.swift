import Synchronization

/// Makes ``BridgeLink/discard(tag:)`` take effect the moment it returns, though the queue lives
/// on the link's event loop: each forwarded message gets a sequence number here, a withdrawal
/// records the last number given out for its tag, and the loop drops every message of that tag
/// at or below it — those still on their way to the queue as they arrive, those in it before the
/// next event can send anything. Messages forwarded after the withdrawal are not affected.
final class BridgeWithdrawals: Sendable {
    private struct State {
        var lastSequence: UInt64 = 0
        /// Tag → the last sequence number withdrawn. One entry per flow ever withdrawn: few.
        var fences: [String: UInt64] = [:]
        /// A withdrawal the loop has not yet applied to its queue.
        var unapplied = false
    }

    private let state = Mutex(State())

    func nextSequence() -> UInt64 {
        state.withLock { state in
            state.lastSequence += 1
            return state.lastSequence
        }
    }

    func withdraw(_ tag: String) {
        state.withLock { state in
            state.fences[tag] = state.lastSequence
            state.unapplied = true
        }
    }

    func isWithdrawn(_ message: BridgeMessage) -> Bool {
        state.withLock { state in state.fences[message.tag].map { message.sequence <= $0 } ?? false }
    }

    /// The fences, when a withdrawal came since the last call.
    func takeUnapplied() -> [String: UInt64]? {
        state.withLock { state in
            guard state.unapplied else { return nil }
            state.unapplied = false
            return state.fences
        }
    }
}
