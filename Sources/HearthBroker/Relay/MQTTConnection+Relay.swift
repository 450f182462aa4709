import HearthCore
import HearthMQTT
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// The link from a client's connection to the node serving its household.
enum RelayLink {
    /// Connecting: what the client sent meanwhile waits, after the preamble and its CONNECT.
    case connecting(pending: ByteBuffer)
    case open(any Channel)
    case closed
}

/// A client whose household another node serves is relayed there, byte for byte: the CONNECT
/// and whatever followed it, behind a preamble that says who the client proved to be here.
extension MQTTConnection {
    func relay(_ attempt: ConnectAttempt, to address: String) -> Action {
        guard let relay = broker.relay, let context, let (host, port) = Self.hostAndPort(address) else {
            return machine.authenticated(.refused(.serverUnavailable, "the hub node serving this household cannot be reached"), now: broker.clock.now)
        }
        guard let handed = machine.handOff() else { return .none }
        cancelTimers()
        let preamble = RelayPreamble(
            certificateChain: attempt.certificateChain, remoteAddress: attempt.remoteAddress, localPort: attempt.localPort,
            issuedAt: broker.clock.now)
        var pending = preamble.encoded(key: relay.keys[0])
        for packet in handed.packets { MQTTCodec.encode(packet, version: handed.version, into: &pending) }
        pending.writeBuffer(&inbound)
        inbound = ByteBuffer()
        relayLink = .connecting(pending: pending)
        // Nothing more is read until the link is open: what waits for it stays small.
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        let client = NIOLoopBound(self, eventLoop: context.eventLoop)
        let clientChannel = context.channel
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(3))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: relay.clientTLS, serverHostname: nil)
                    try channel.pipeline.syncOperations.addHandlers([tls, RelayUpstream(client: clientChannel)])
                }
            }
            .connect(host: host, port: port)
            .assumeIsolated()
            .whenComplete { result in client.value.relayConnected(result) }
        broker.logger.debug("relaying an MQTT client", metadata: ["to": "\(address)", "remote": "\(remoteAddress ?? "-")"])
        return .none
    }

    private func relayConnected(_ result: Result<any Channel, any Error>) {
        guard case .connecting(let pending) = relayLink else {
            // The client left while the link was being made.
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            relayLink = .open(channel)
            channel.writeAndFlush(pending, promise: nil)
            // Held packets may have paused reading too; from now on the two ends pace each other
            // (``relayWritabilityChanged()``, ``RelayUpstream``).
            context?.channel.setOption(ChannelOptions.autoRead, value: channel.isWritable).whenFailure { _ in }
        case .failure(let error):
            broker.logger.notice("could not relay an MQTT client", metadata: ["error": "\(error)"])
            relayLink = .closed
            context?.close(promise: nil)
        }
    }

    func forward(_ bytes: ByteBuffer) {
        switch relayLink {
        case .connecting(var pending):
            var bytes = bytes
            pending.writeBuffer(&bytes)
            relayLink = .connecting(pending: pending)
        case .open(let channel):
            channel.writeAndFlush(bytes, promise: nil)
        case .closed, nil:
            break
        }
    }

    /// The client takes what the serving node sends only so fast: the link is read no faster.
    func relayWritabilityChanged() {
        guard case .open(let upstream) = relayLink, let context else { return }
        upstream.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
    }

    func closeRelayLink() {
        if case .open(let channel) = relayLink { channel.close(promise: nil) }
        if relayLink != nil { relayLink = .closed }
    }

    static func hostAndPort(_ address: String) -> (String, Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

/// The serving node's side of a relay link, at the relaying node: its bytes go to the client as
/// they come, and its end ends the client's connection.
final class RelayUpstream: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let client: any Channel

    init(client: any Channel) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    /// The serving node takes the client's bytes only so fast: the client is read no faster.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
