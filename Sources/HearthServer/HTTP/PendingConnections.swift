import NIOCore
import Synchronization

/// The HTTPS connections that are still pending — accepted, their first request not yet received
/// in full — across all the listener's event loops, with a cap. Until its first request a
/// connection has shown no credential, and one that sends slowly or not at all costs the hub a
/// socket and its TLS state; the deadlines bound how long each lasts, the cap how many there are.
/// At the cap the oldest pending connection is closed to admit the new one (rather than refusing
/// the new one): a flood then has to outpace a legitimate client's handshake and first request to
/// get in its way, instead of merely holding the cap full.
final class PendingConnections: Sendable {
    struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
    }

    private struct State {
        var next: UInt64 = 0
        /// By ticket number; the smallest is the oldest.
        var open: [UInt64: any Channel] = [:]
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Counts `channel` as pending, closing the oldest pending connection if the cap is reached.
    func admit(_ channel: any Channel) -> Ticket {
        let (ticket, evicted) = state.withLock { state -> (Ticket, (any Channel)?) in
            state.next += 1
            var evicted: (any Channel)?
            // A linear search, only at the cap (a few hundred entries at most).
            if state.open.count >= limit, let oldest = state.open.keys.min() {
                evicted = state.open.removeValue(forKey: oldest)
            }
            state.open[state.next] = channel
            return (Ticket(number: state.next), evicted)
        }
        if let evicted {
            evicted.eventLoop.execute { RequestDeadlines.abort(evicted) }
        }
        return ticket
    }

    /// The connection has received its first request, or closed.
    func release(_ ticket: Ticket) {
        state.withLock { _ = $0.open.removeValue(forKey: ticket.number) }
    }

    var count: Int { state.withLock { $0.open.count } }
}
