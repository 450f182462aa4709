@testable import HearthBroker
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

/// The broker's count of open connections, which its connection cap is checked against.
@Suite struct ConnectionCountTests {
    /// A listener may close a connection while it is still setting it up (the pending-connection
    /// line is full): the channel never becomes active, so no `channelInactive` comes, and the
    /// connection must still give its place back.
    @Test func aConnectionClosedWhileBeingSetUpGivesBackItsPlace() async throws {
        let broker = Broker(configuration: BrokerConfiguration(), gatekeeper: NoClients(), storage: nil, logger: Logger(label: "test"))
        let group = MultiThreadedEventLoopGroup.singleton
        // As a listener that refuses a connection from its set-up does: closed on the next tick.
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = broker.admitConnection()!
                    try channel.pipeline.syncOperations.addHandler(
                        MQTTConnection(broker: broker, flushBatch: FlushBatch(), id: id, remoteAddress: nil))
                    channel.eventLoop.execute { channel.close(promise: nil) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        for _ in 0..<20 {
            let client = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
            try await client.closeFuture.get()
        }
        try await server.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while broker.openConnections > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(broker.openConnections == 0, "connections closed while being set up are still counted")
    }

    @Test func aConnectionThatWasActiveGivesBackItsPlaceOnce() async throws {
        let broker = Broker(configuration: BrokerConfiguration(), gatekeeper: NoClients(), storage: nil, logger: Logger(label: "test"))
        let id = try #require(broker.admitConnection())
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            MQTTConnection(broker: broker, flushBatch: FlushBatch(), id: id, remoteAddress: nil))
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        try await channel.close()
        #expect(broker.openConnections == 0)
    }
}
