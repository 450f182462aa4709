import HearthDevice
import HearthMQTT
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// An MQTT 3.1.1 connection over mutual TLS, as the simulator's devices and monitor hold it:
/// connected, CONNECT sent and CONNACK read before the caller's body runs with the session.
enum MQTTLink {
    typealias Channel = NIOAsyncChannel<MQTTPacket, ByteBuffer>

    struct Failure: Error, CustomStringConvertible {
        /// Short, for the report's failures by reason.
        let reason: String
        var description: String { reason }
    }

    /// TLS 1.3 with the device's chain and key (none for an app), trusting only the hub's root (the hub is reached
    /// by IP address, so its name is not checked — its chain to the pinned root is).
    static func context(identity: DeviceTLSIdentity?, root: Certificate) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: try CertificateChain([root]).derEncodings[0], format: .der)])
        if let identity {
            configuration.certificateChain = try identity.chain.derEncodings.map { .certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
            configuration.privateKey = .privateKey(identity.key.tlsKey)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// One session: connects (from `source`, when given), sends `connect`, waits for CONNACK
    /// (within `timeout`), runs `body` with the inbound packets, the writer and `close` (which
    /// ends the session from anywhere: the read in `body` then ends), and closes the connection
    /// when `body` returns.
    static func session<Result: Sendable>(
        host: String, port: Int, source: SocketAddress? = nil, context: NIOSSLContext, connect: ConnectPacket, timeout: Duration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (_ acknowledged: ConnAckPacket, _ inbound: inout NIOAsyncChannelInboundStream<MQTTPacket>.AsyncIterator,
                 _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ close: @escaping @Sendable () -> Void) async throws -> Result
    ) async throws -> Result {
        let channel: Channel
        do {
            var bootstrap = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            if let source { bootstrap = bootstrap.bind(to: source) }
            channel = try await bootstrap
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try NIOSSLClientHandler(context: context, serverHostname: nil)
                        let decoder = MQTTPacketDecoder(maximumPacketSize: 1 << 20, version: .v311)
                        try channel.pipeline.syncOperations.addHandlers([tls, ByteToMessageHandler(decoder)])
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(reason: "hub-unreachable")
        }
        // No CONNACK in time (a hub that hangs, a partition): the connection is closed, which ends the read below.
        let deadline = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)) {
            channel.channel.close(promise: nil)
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                try await outbound.write(MQTTCodec.encode(.connect(connect), version: .v311))
                let first: MQTTPacket?
                do { first = try await iterator.next() } catch { throw Self.classify(error) }
                deadline.cancel()
                guard case .connack(let acknowledged)? = first else { throw Failure(reason: "no-connack") }
                guard acknowledged.reasonCode == .success else {
                    throw Failure(reason: "connect-refused-\(acknowledged.reasonCode.rawValue)")
                }
                let connection = channel.channel
                return try await body(acknowledged, &iterator, outbound) { connection.close(promise: nil) }
            }
        } catch let failure as Failure {
            deadline.cancel()
            throw failure
        } catch {
            deadline.cancel()
            throw Self.classify(error)
        }
    }

    static func send(_ packet: MQTTPacket, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        try await outbound.write(MQTTCodec.encode(packet, version: .v311))
    }

    static func classify(_ error: any Error) -> any Error {
        switch error {
        case is Failure, is CancellationError: error
        case is NIOSSLError, is BoringSSLError: Failure(reason: "tls-failed")
        default: Failure(reason: "connection-lost")
        }
    }
}
