import HearthMQTT
import NIOCore

/// The last handler of a bridge connection: passes what happens on the channel to the driver,
/// tagged with the connection attempt it belongs to.
final class BridgeChannelHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket

    let driver: BridgeDriver
    let attempt: UInt64

    init(driver: BridgeDriver, attempt: UInt64) {
        self.driver = driver
        self.attempt = attempt
    }

    /// TCP is up. The CONNECT written now waits in NIOSSL until the handshake has verified the
    /// broker's chain and name (NIOSSL buffers writes and flushes until then), and fails with it.
    func channelActive(context: ChannelHandlerContext) {
        driver.transportReady(context.channel, attempt: attempt)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.received(unwrapInboundIn(data), attempt: attempt)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        driver.caught(error, on: context.channel, attempt: attempt)
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.closed(attempt: attempt)
        context.fireChannelInactive()
    }
}
