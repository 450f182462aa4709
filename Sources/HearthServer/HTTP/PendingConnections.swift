import NIOCore
import Synchronization

/// The HTTPS connections that are still pending — accepted, their first request not yet received
/// in full — across all the listener's event loops, with a cap. Until its first request a
/// connection has shown no credential, and one that sends slowly or not at all costs the hub a
/// socket and its TLS state; the deadlines bound how long each lasts, the cap how many there are.
/// At the cap the oldest pending connection is closed to admit the new one (rather than refusing
/// the new one): a flood then has to outpace a legitimate client's handshake and first request to
/// get in its way, instead of merely holding the cap full. But a connection pending for less than
/// the grace is kept and the new one refused: in a burst of real clients each pending connection
/// is a handshake under way, and closing it would waste the work done on it.
final class PendingConnections: Sendable {
    struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
    }

    private struct State {
        var next: UInt64 = 0
        /// By ticket number; the smallest is the oldest.
        var open: [UInt64: (channel: any Channel, since: NIODeadline)] = [:]
    }

    let limit: Int
    let grace: TimeAmount
    private let state = Mutex(State())

    init(limit: Int, grace: Duration) {
        self.limit = max(1, limit)
        self.grace = TimeAmount(grace)
    }

    /// Counts `channel` as pending, closing the oldest pending connection if the cap is reached
    /// and it is past the grace; nil when the cap is reached and it is not: the caller closes `channel`.
    func admit(_ channel: any Channel, now: NIODeadline = .now()) -> Ticket? {
        let admitted = state.withLock { state -> (ticket: Ticket, evicted: (any Channel)?)? in
            var evicted: (any Channel)?
            // A linear search, only at the cap (a few hundred entries at most).
            if state.open.count >= limit, let oldest = state.open.keys.min() {
                guard let entry = state.open[oldest], entry.since + grace <= now else { return nil }
                state.open[oldest] = nil
                evicted = entry.channel
            }
            state.next += 1
            state.open[state.next] = (channel, now)
            return (Ticket(number: state.next), evicted)
        }
        if let evicted = admitted?.evicted {
            evicted.eventLoop.execute { RequestDeadlines.abort(evicted) }
        }
        return admitted?.ticket
    }

    /// The connection has received its first request, or closed.
    func release(_ ticket: Ticket) {
        state.withLock { _ = $0.open.removeValue(forKey: ticket.number) }
    }

    var count: Int { state.withLock { $0.open.count } }
}
