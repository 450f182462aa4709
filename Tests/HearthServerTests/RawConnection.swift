import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A connection to a hub on 127.0.0.1 that sends exactly what a test says, when it says — the slow
/// and silent clients of the slowloris shape — and records when the hub closed it.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let record: Record
    /// Just before connecting: the hub accepted the connection later than this.
    let opened: ContinuousClock.Instant

    /// What the hub sent, and when it closed the connection.
    final class Record: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let closed = Mutex<ContinuousClock.Instant?>(nil)
    }

    private init(channel: any Channel, record: Record, opened: ContinuousClock.Instant) {
        self.channel = channel
        self.record = record
        self.opened = opened
    }

    /// With `tls`, returns once the TLS 1.3 handshake is done (the hub's certificate is not
    /// checked: these tests are about time, not trust); without, a bare TCP connection.
    static func open(port: Int, tls: Bool) async throws -> RawConnection {
        let record = Record()
        let context = try tls ? NIOSSLContext(configuration: {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv13
            configuration.certificateVerification = .none
            return configuration
        }()) : nil
        let group = MultiThreadedEventLoopGroup.singleton
        let handshake = group.next().makePromise(of: Void.self)
        let opened = ContinuousClock.now
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(Collector(record: record, handshake: handshake))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        channel.closeFuture.whenComplete { _ in
            record.closed.withLock { $0 = $0 ?? ContinuousClock.now }
            handshake.fail(ChannelError.alreadyClosed)
        }
        if tls { try await handshake.futureResult.get() }
        return RawConnection(channel: channel, record: record, opened: opened)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    var text: String { String(decoding: record.bytes.withLock { $0 }, as: UTF8.self) }
    var closedAt: ContinuousClock.Instant? { record.closed.withLock { $0 } }

    /// Waits until the hub has sent something containing `needle`, for up to `limit`.
    func waitFor(_ needle: String, limit: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if text.contains(needle) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return text.contains(needle)
    }

    /// Waits until `deadline` for the hub to close the connection; when it did, or nil.
    func waitForClose(until deadline: ContinuousClock.Instant) async throws -> ContinuousClock.Instant? {
        while ContinuousClock.now < deadline {
            if let closedAt { return closedAt }
            try await Task.sleep(for: .milliseconds(10))
        }
        return closedAt
    }

    func close() {
        channel.close(promise: nil)
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        let record: Record
        let handshake: EventLoopPromise<Void>

        init(record: Record, handshake: EventLoopPromise<Void>) {
            self.record = record
            self.handshake = handshake
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            record.bytes.withLock { $0 += buffer.readableBytesView }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { handshake.succeed() }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A TLS error or the hub dropping the socket: either way the channel closes, which is
            // what the tests watch.
            context.close(promise: nil)
        }
    }
}
