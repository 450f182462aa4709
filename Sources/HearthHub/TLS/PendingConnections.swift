import HearthCore
import NIOCore
import NIOSSL
import Synchronization

/// The connections of one listener that are still pending — accepted, and not yet past what the
/// listener waits for (the first request on HTTPS, the TLS handshake on MQTT) — across all its
/// event loops, with a cap, and a line of newcomers waiting for room.
///
/// Until then a connection has shown no credential, and its handshake is the most expensive work a
/// stranger can ask of the hub. The cap bounds how many handshakes run at once: a crowd (a
/// renewal storm, a fleet coming back after an outage) is served at the rate the hub can finish
/// handshakes, in the order it came, instead of every handshake slowing down together until none
/// finishes within its deadline. A newcomer at the cap waits in the line unread — it costs a
/// socket, not TLS state — and is let in, oldest first, as pending connections finish. A line that
/// is full refuses the newcomer at once (closed before its handshake), and the client tries again
/// later.
///
/// A pending connection past the grace when others are waiting is closed to make room (the oldest
/// first): a flood of idle connections then has to outpace a legitimate client's handshake to hold
/// the cap, instead of merely holding it. One younger than the grace is kept: in a burst of real
/// clients each is a handshake under way, and closing it would waste the work done on it.
///
/// When the line moves slower than clients wait — a fleet reconnecting at once while the hub is busy
/// — serving it in order would spend every handshake on a client that has given up, and every
/// client would give up. So once its oldest has waited `newestFirstAfter`, the line lets the newest
/// in first (an adaptive LIFO), and a connection that waited `maximumWait` is closed unread: its
/// client has gone, or tries again as a newcomer.
public final class PendingConnections: Sendable {
    public struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
    }

    public enum Admission: Sendable {
        /// Pending now: the connection may start its handshake.
        case admitted(Ticket)
        /// In the line; `wake` is called with the same ticket when it is let in.
        case waiting(Ticket)
        /// The line is full: close the connection.
        case refused
    }

    /// Sent down the pipeline (an outbound user event) by whatever sees the connection past what
    /// the listener waits for; the gate in front (``PendingConnectionGate``) releases its place.
    public struct Presented: Sendable {
        public init() {}
    }

    private struct Pending {
        let channel: any Channel
        let since: NIODeadline
    }

    private struct Waiter {
        let channel: any Channel
        let since: NIODeadline
        let wake: @Sendable (Ticket) -> Void
    }

    private struct State {
        var next: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
        /// Pending tickets by age: a number is larger the later it became pending, since nobody
        /// is admitted past the line.
        var pendingOrder = CircularBuffer<UInt64>()
        var waiting: [UInt64: Waiter] = [:]
        /// Waiting tickets in arrival order.
        var line = CircularBuffer<UInt64>()

        mutating func oldestPending() -> (number: UInt64, entry: Pending)? {
            while let first = pendingOrder.first {
                if let entry = pending[first] { return (first, entry) }
                pendingOrder.removeFirst()
            }
            return nil
        }

        /// Lets waiters in while there is room — the oldest first, or the newest once the oldest has
        /// waited `newestFirstAfter`; what to wake, outside the lock.
        mutating func letIn(limit: Int, now: NIODeadline, newestFirstAfter: TimeAmount) -> [(Ticket, Waiter)] {
            var woken: [(Ticket, Waiter)] = []
            while pending.count < limit, let first = line.first {
                let newestFirst = waiting[first].map { $0.since + newestFirstAfter <= now } ?? false
                let number = newestFirst ? line.removeLast() : line.removeFirst()
                guard let waiter = waiting.removeValue(forKey: number) else { continue }
                pending[number] = Pending(channel: waiter.channel, since: now)
                pendingOrder.append(number)
                woken.append((Ticket(number: number), waiter))
            }
            return woken
        }

        /// Takes out of the line the waiters that have waited `maximumWait` (those that left are
        /// dropped as met); their channels, to close outside the lock.
        mutating func expire(now: NIODeadline, maximumWait: TimeAmount) -> [any Channel] {
            var expired: [any Channel] = []
            while let first = line.first {
                if let waiter = waiting[first] {
                    guard waiter.since + maximumWait <= now else { break }
                    waiting[first] = nil
                    expired.append(waiter.channel)
                }
                line.removeFirst()
            }
            return expired
        }
    }

    /// Pending connections at most.
    public let limit: Int
    /// Connections waiting for room at most; more are refused.
    public let waitingLimit: Int
    public let grace: TimeAmount
    /// Once the oldest waiter has waited this, the newest are let in first.
    public let newestFirstAfter: TimeAmount
    /// A waiter is closed after this.
    public let maximumWait: TimeAmount
    private let state = Mutex(State())

    /// `waitingLimit` defaults to eight times `limit`.
    public init(
        limit: Int, grace: Duration, waitingLimit: Int? = nil, newestFirstAfter: Duration = .seconds(5),
        maximumWait: Duration = .seconds(30)
    ) {
        self.limit = max(1, limit)
        self.waitingLimit = max(0, waitingLimit ?? self.limit * 8)
        self.grace = TimeAmount(grace)
        self.newestFirstAfter = TimeAmount(newestFirstAfter)
        self.maximumWait = TimeAmount(maximumWait)
    }

    /// Counts `channel` as pending if there is room and nobody is waiting, else puts it in the
    /// line (`wake` is called, from any thread, when it is let in) or refuses it. A newcomer that
    /// has to wait closes the oldest pending connection if that is past the grace.
    public func admit(_ channel: any Channel, now: NIODeadline = .now(), wake: @escaping @Sendable (Ticket) -> Void) -> Admission {
        let (admission, evicted, woken, expired) = state.withLock {
            state -> (Admission, (any Channel)?, [(Ticket, Waiter)], [any Channel]) in
            let expired = state.expire(now: now, maximumWait: maximumWait)
            state.next += 1
            let number = state.next
            if state.pending.count < limit, state.waiting.isEmpty {
                state.pending[number] = Pending(channel: channel, since: now)
                state.pendingOrder.append(number)
                return (.admitted(Ticket(number: number)), nil, [], expired)
            }
            var admission = Admission.refused
            if state.waiting.count < waitingLimit {
                state.waiting[number] = Waiter(channel: channel, since: now, wake: wake)
                state.line.append(number)
                admission = .waiting(Ticket(number: number))
            }
            guard let oldest = state.oldestPending(), oldest.entry.since + grace <= now else { return (admission, nil, [], expired) }
            state.pending[oldest.number] = nil
            return (admission, oldest.entry.channel, state.letIn(limit: limit, now: now, newestFirstAfter: newestFirstAfter), expired)
        }
        if let evicted {
            evicted.eventLoop.execute { Self.abort(evicted) }
        }
        for channel in expired { channel.eventLoop.execute { channel.close(promise: nil) } }
        for (ticket, waiter) in woken { waiter.wake(ticket) }
        return admission
    }

    /// The connection is past what the listener waits for, or closed (pending or waiting).
    public func release(_ ticket: Ticket, now: NIODeadline = .now()) {
        let woken = state.withLock { state -> [(Ticket, Waiter)] in
            let wasPending = state.pending.removeValue(forKey: ticket.number) != nil
            let wasWaiting = state.waiting.removeValue(forKey: ticket.number) != nil
            guard wasPending || wasWaiting else { return [] }
            // Numbers of connections that left are dropped from the orders when met at the front;
            // the orders are rebuilt when such numbers pile up (numbers grow with age).
            if state.line.count > 4 * max(state.waiting.count, 64) {
                state.line = CircularBuffer(state.waiting.keys.sorted())
            }
            if state.pendingOrder.count > 4 * max(state.pending.count, 64) {
                state.pendingOrder = CircularBuffer(state.pending.keys.sorted())
            }
            return state.letIn(limit: limit, now: now, newestFirstAfter: newestFirstAfter)
        }
        for (ticket, waiter) in woken { waiter.wake(ticket) }
    }

    public var count: Int { state.withLock { $0.pending.count } }
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Closes `channel` at the socket, on its event loop: the close starts below the TLS handler
    /// (from its context), so no close_notify is sent and none is waited for — a plain close would
    /// keep the socket up to the TLS shutdown timeout for a client that never answers.
    public static func abort(_ channel: any Channel) {
        if let tls = try? channel.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self) {
            tls.close(promise: nil)
        } else {
            channel.close(promise: nil)
        }
    }
}
