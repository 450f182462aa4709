import HearthCore
@testable import HearthHub
import NIOCore
import NIOEmbedded
import NIOTLS
import Synchronization
import Testing

@testable import HearthServer

/// The cap on a listener's pending connections, its waiting line and its grace, on the cap's own
/// clock: at the cap a newcomer waits its turn (or is refused when the line is full); the oldest
/// pending connection is closed for the line only once it has been pending for the grace.
@Suite struct PendingConnectionsTests {
    private static func connected(_ count: Int) async throws -> [EmbeddedChannel] {
        var channels: [EmbeddedChannel] = []
        for _ in 0..<count {
            let channel = EmbeddedChannel()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
            channels.append(channel)
        }
        return channels
    }

    /// Tickets woken, in order.
    private final class Woken: Sendable {
        private let tickets = Mutex<[PendingConnections.Ticket]>([])
        var all: [PendingConnections.Ticket] { tickets.withLock { $0 } }
        func wake(_ ticket: PendingConnections.Ticket) { tickets.withLock { $0.append(ticket) } }
    }

    @Test func atTheCapNewcomersWaitInOrderAndAFullLineRefuses() async throws {
        let pending = PendingConnections(limit: 2, grace: .seconds(2), waitingLimit: 2)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        let channels = try await Self.connected(5)
        let woken = Woken()

        guard case .admitted(let first) = pending.admit(channels[0], now: start, wake: woken.wake),
              case .admitted = pending.admit(channels[1], now: start + .milliseconds(500), wake: woken.wake),
              case .waiting(let third) = pending.admit(channels[2], now: start + .seconds(1), wake: woken.wake),
              case .waiting(let fourth) = pending.admit(channels[3], now: start + .milliseconds(1999), wake: woken.wake)
        else {
            Issue.record("the first two were not admitted, or the next two not put in the line")
            return
        }
        guard case .refused = pending.admit(channels[4], now: start + .milliseconds(1999), wake: woken.wake) else {
            Issue.record("a newcomer to a full line was not refused")
            return
        }
        channels[0].embeddedEventLoop.run()
        #expect(channels[0].isActive && channels[1].isActive, "a connection within the grace was closed")
        #expect(pending.count == 2 && pending.waitingCount == 2 && woken.all.isEmpty)

        // A pending connection that is through lets the first in the line in; one that left the
        // line is skipped.
        pending.release(fourth)
        pending.release(first)
        #expect(woken.all == [third], "the line was not let in in order")
        #expect(pending.count == 2 && pending.waitingCount == 0)
    }

    @Test func pastTheGraceTheOldestPendingGivesWayToTheLine() async throws {
        let pending = PendingConnections(limit: 1, grace: .seconds(2))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        let channels = try await Self.connected(3)
        let woken = Woken()

        guard case .admitted = pending.admit(channels[0], now: start, wake: woken.wake),
              case .waiting(let second) = pending.admit(channels[1], now: start + .seconds(1), wake: woken.wake)
        else {
            Issue.record("the first was not admitted, or the second not put in the line")
            return
        }
        channels[0].embeddedEventLoop.run()
        #expect(channels[0].isActive, "closed within its grace")

        // Another newcomer after the first has been pending for the grace: the first is closed and
        // the oldest waiter let in; the newcomer waits.
        guard case .waiting = pending.admit(channels[2], now: start + .seconds(2), wake: woken.wake) else {
            Issue.record("the newcomer was not put in the line")
            return
        }
        channels[0].embeddedEventLoop.run()
        #expect(!channels[0].isActive, "the oldest, pending past the grace, was kept while others waited")
        #expect(woken.all == [second])
        #expect(pending.count == 1 && pending.waitingCount == 1)
    }

    /// A line that moves slower than clients wait: once its oldest has waited `newestFirstAfter`,
    /// the newest is let in first (its client is still there), and a waiter that waited
    /// `maximumWait` is closed unread at the next arrival.
    @Test func aLongWaitLetsTheNewestInFirstAndClosesTheStale() async throws {
        let pending = PendingConnections(
            limit: 1, grace: .seconds(60), waitingLimit: 10, newestFirstAfter: .seconds(5), maximumWait: .seconds(30))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        let channels = try await Self.connected(5)
        let woken = Woken()
        guard case .admitted(let first) = pending.admit(channels[0], now: start, wake: woken.wake),
              case .waiting(let second) = pending.admit(channels[1], now: start + .seconds(1), wake: woken.wake),
              case .waiting = pending.admit(channels[2], now: start + .seconds(2), wake: woken.wake),
              case .waiting(let fourth) = pending.admit(channels[3], now: start + .seconds(3), wake: woken.wake)
        else {
            Issue.record("the first was not admitted, or the next three not put in the line")
            return
        }
        // The oldest has waited less than 5 s: in order.
        pending.release(first, now: start + .seconds(4))
        #expect(woken.all == [second])
        // Now the oldest waiter (the third) has waited 5 s: the newest goes first.
        pending.release(second, now: start + .seconds(7))
        #expect(woken.all == [second, fourth])
        // The third has waited 30 s: the next arrival closes it, and itself waits.
        guard case .waiting = pending.admit(channels[4], now: start + .seconds(32), wake: woken.wake) else {
            Issue.record("the newcomer was not put in the line")
            return
        }
        channels[2].embeddedEventLoop.run()
        #expect(!channels[2].isActive, "a connection that waited 30 s was kept")
        #expect(channels[4].isActive && pending.waitingCount == 1 && pending.count == 1)
    }

    /// The gate in a pipeline: a connection that has to wait gets no TLS stage (and so starts no
    /// handshake) until one pending before it is through.
    @Test func theGateHoldsAWaitingConnectionUntilThereIsRoom() async throws {
        final class Stage: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
        }
        /// What a deadline behind the gate is told.
        final class Turns: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            var seen: [ConnectionTurn] = []
            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if let turn = event as? ConnectionTurn { seen.append(turn) }
            }
        }
        let pending = PendingConnections(limit: 1, grace: .seconds(60))
        let (first, second, third) = (EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel())
        var turns: [Turns] = []
        for channel in [first, second, third] {
            let recorder = Turns()
            turns.append(recorder)
            try channel.pipeline.syncOperations.addHandlers([PendingConnectionGate(pending: pending) { [Stage()] }, recorder])
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
            channel.embeddedEventLoop.run()
        }
        #expect(turns[0].seen.isEmpty && turns[1].seen == [.waiting], "the handlers behind were not told who waits")
        func staged(_ channel: EmbeddedChannel) -> Bool {
            (try? channel.pipeline.syncOperations.context(handlerType: Stage.self)) != nil
        }
        #expect(staged(first) && !staged(second) && !staged(third))

        // The third leaves while waiting: it is not let in later.
        try await third.close()
        first.pipeline.triggerUserOutboundEvent(PendingConnections.Presented(), promise: nil)
        #expect((try? first.pipeline.syncOperations.context(handlerType: PendingConnectionGate.self)) == nil, "the gate stayed")
        second.embeddedEventLoop.run()
        #expect(staged(second), "the waiting connection was not let in when the first was through")
        #expect(turns[1].seen == [.waiting, .letIn], "the handlers behind were not told it was let in")
        #expect(pending.count == 1 && pending.waitingCount == 0)
        _ = try? second.finish()
        #expect(pending.count == 0, "a closed connection kept its place")
    }

    /// On MQTT a connection is through once its TLS handshake completes.
    @Test func theHandshakeEndsPendingWhereTheListenerSaysSo() async throws {
        let pending = PendingConnections(limit: 1, grace: .seconds(60))
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(PendingConnectionGate(pending: pending) { [PendingUntilHandshake()] })
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        #expect(pending.count == 1)
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(pending.count == 0, "the completed handshake did not end the connection's pending")
        #expect((try? channel.pipeline.syncOperations.context(handlerType: PendingConnectionGate.self)) == nil)
        #expect((try? channel.pipeline.syncOperations.context(handlerType: PendingUntilHandshake.self)) == nil)
    }
}
