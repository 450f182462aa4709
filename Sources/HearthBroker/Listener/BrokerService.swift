import HearthCore
import HearthDetection
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The broker's listener as a service of the hub: MQTT over TLS (client certificates optional
/// at the TLS layer — apps come with a token — and verified by the hub's TLS stage when present).
public struct BrokerService: Service {
    /// The TLS stage of one connection, in pipeline order, made on its event loop: the TLS
    /// handler first, then whatever must see the decrypted stream before MQTT does. The hub
    /// supplies it, so the broker shares the HTTPS listener's client-certificate checks.
    public typealias TLSHandlers = @Sendable () -> [any ChannelHandler]

    let broker: Broker
    let tlsHandlers: TLSHandlers
    let onListening: @Sendable (Int) async -> Void
    /// Told the relay listener's port (with ``Broker/relay``), before clients are taken.
    let onRelayListening: @Sendable (Int) async throws -> Void
    /// The assembly's event loops, which outlive the service: with one loop (the default),
    /// every connection is on it and a message reaches its subscribers by plain calls, with no
    /// thread hop per delivery.
    let eventLoopGroup: any EventLoopGroup

    public init(
        broker: Broker, tlsHandlers: @escaping TLSHandlers,
        eventLoopGroup: any EventLoopGroup, onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onRelayListening: @escaping @Sendable (Int) async throws -> Void = { _ in }
    ) {
        self.onRelayListening = onRelayListening
        self.broker = broker
        self.tlsHandlers = tlsHandlers
        self.onListening = onListening
        self.eventLoopGroup = eventLoopGroup
    }

    public func run() async throws {
        try await broker.restore()
        try await serve(on: eventLoopGroup)
        // The connections told to close are waited for (a close gives up on an unread client
        // after 5 s), so what their ends put in the outbox is in it before the outbox stops.
        let deadline = ContinuousClock.now + .seconds(6)
        while broker.openConnections > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await broker.settleStorage()
    }

    private func serve(on group: any EventLoopGroup) async throws {
        let configuration = broker.configuration
        let broker = self.broker
        let tlsHandlers = self.tlsHandlers
        // One batch per loop, made on the loop by its first connection.
        let flushBatches = Dictionary(uniqueKeysWithValues: group.makeIterator().map { loop in
            (ObjectIdentifier(loop), NIOLoopBoundBox<FlushBatch?>.makeEmptyBox(valueType: FlushBatch.self, eventLoop: loop))
        })
        var relayServer: (any Channel)?
        if let relay = broker.relay {
            let keys = relay.keys
            let server = try await Self.bootstrap(group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let batchBox = flushBatches[ObjectIdentifier(channel.eventLoop)]!
                        let flushBatch = batchBox.value ?? FlushBatch()
                        batchBox.value = flushBatch
                        try channel.pipeline.syncOperations.addHandlers(
                            relay.serverHandlers() + [RelayPreambleReader(broker: broker, keys: keys, flushBatch: flushBatch)])
                    }
                }
                .bind(host: relay.host, port: relay.port).get()
            relayServer = server
            let port = server.localAddress?.port ?? relay.port
            broker.logger.info("the MQTT relay listener is listening", metadata: ["relay": "\(relay.host):\(port)"])
            do {
                try await onRelayListening(port)
            } catch {
                server.close(promise: nil)
                throw error
            }
        }
        defer { relayServer?.close(promise: nil) }
        let server = try await Self.bootstrap(group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let blocklist = broker.blocklist, blocklist.isBlocked(channel.remoteAddress?.ipAddress, at: broker.clock.now) {
                        channel.close(promise: nil)
                        return
                    }
                    guard let id = broker.admitConnection() else {
                        channel.close(promise: nil)
                        return
                    }
                    let batchBox = flushBatches[ObjectIdentifier(channel.eventLoop)]!
                    let flushBatch = batchBox.value ?? FlushBatch()
                    batchBox.value = flushBatch
                    let connection = MQTTConnection(
                        broker: broker, flushBatch: flushBatch, id: id, remoteAddress: channel.remoteAddress?.ipAddress)
                    try channel.pipeline.syncOperations.addHandlers(tlsHandlers() + [connection])
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        let port = server.localAddress?.port ?? configuration.port
        broker.logger.info("the MQTT broker is listening", metadata: ["mqtts": "\(configuration.host):\(port)"])
        await onListening(port)
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await server.closeFuture.get()
            } onCancel: {
                server.close(promise: nil)
            }
        } onGracefulShutdown: {
            server.close(promise: nil)
        }
        broker.closeAll()
    }

    private static func bootstrap(_ group: any EventLoopGroup) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    }
}
