import HearthCore
import Crypto
import Logging
import NIOCore

/// The first handler of a relay link at the serving node: reads the relaying node's preamble,
/// and hands the connection to the broker as the client it names — or closes it.
final class RelayPreambleReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let broker: Broker
    let keys: [SymmetricKey]
    let flushBatch: FlushBatch
    var buffered = ByteBuffer()
    var deadline: Scheduled<Void>?

    init(broker: Broker, keys: [SymmetricKey], flushBatch: FlushBatch) {
        self.broker = broker
        self.keys = keys
        self.flushBatch = flushBatch
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(10)) { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffered.writeBuffer(&bytes)
        let preamble: RelayPreamble?
        do {
            preamble = try RelayPreamble.read(from: &buffered, keys: keys, now: broker.clock.now)
        } catch {
            broker.logger.warning(
                "refused a relay link that is not another hub node's",
                metadata: ["remote": "\(context.channel.remoteAddress?.description ?? "-")", "reason": "\(error)"])
            return context.close(promise: nil)
        }
        guard let preamble else { return }
        deadline?.cancel()
        if let message = preamble.message {
            let (broker, channel) = (self.broker, context.channel)
            context.eventLoop.makeFutureWithTask { await broker.acceptRelayed(message) }.whenSuccess { code in
                var answer = channel.allocator.buffer(capacity: 1)
                answer.writeInteger(code)
                channel.writeAndFlush(answer).whenComplete { _ in channel.close(promise: nil) }
            }
            return
        }
        guard let id = broker.admitConnection() else { return context.close(promise: nil) }
        let connection = MQTTConnection(
            broker: broker, flushBatch: flushBatch, id: id, remoteAddress: nil, relayedFrom: preamble)
        do {
            try context.pipeline.syncOperations.addHandler(connection, position: .after(self))
        } catch {
            broker.releaseConnection()
            return context.close(promise: nil)
        }
        let rest = buffered
        buffered = ByteBuffer()
        // The client's first bytes, then the connection is the broker's: later reads skip this handler.
        if rest.readableBytes > 0 { context.fireChannelRead(NIOAny(rest)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
