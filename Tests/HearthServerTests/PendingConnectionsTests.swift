import NIOCore
import NIOEmbedded
import Testing

@testable import HearthServer

/// The cap on pending HTTPS connections and its grace, on the cap's own clock: at the cap the
/// oldest pending connection is closed for a newcomer only once it has been pending for the grace;
/// before that the newcomer is refused and every connection under way is kept.
@Suite struct PendingConnectionsTests {
    @Test func atTheCapTheOldestGoesOnlyPastTheGrace() async throws {
        let pending = PendingConnections(limit: 2, grace: .seconds(2))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
        let (first, second, refused, late) = (EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel())
        for channel in [first, second, refused, late] {
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        }

        let firstTicket = try #require(pending.admit(first, now: start))
        #expect(pending.admit(second, now: start + .milliseconds(500)) != nil)
        #expect(pending.admit(refused, now: start + .milliseconds(1999)) == nil, "a newcomer within the grace is refused")
        first.embeddedEventLoop.run()
        #expect(first.isActive && second.isActive && pending.count == 2, "a connection under way was closed")

        // Past the grace of the oldest, it is closed for the newcomer.
        #expect(pending.admit(late, now: start + .seconds(2)) != nil)
        first.embeddedEventLoop.run()
        #expect(!first.isActive, "the oldest, pending past the grace, was kept")
        #expect(second.isActive && pending.count == 2)

        // A connection that leaves the pending set (its first request arrived) makes room.
        pending.release(firstTicket)
        #expect(pending.count == 2, "the closed one had left the set already")
    }
}
