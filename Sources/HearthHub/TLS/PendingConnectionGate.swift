import HearthCore
import NIOCore
import NIOTLS

/// First in a new connection's pipeline: takes a place in the listener's ``PendingConnections``,
/// and holds the connection unread — no TLS state, no handshake — while it waits in the line. Let
/// in, it puts the TLS stage behind itself and lets reads through. It gives the place back when a
/// handler behind it sends ``PendingConnections/Presented`` (then it leaves the pipeline), or when
/// the connection closes.
final class PendingConnectionGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let pending: PendingConnections
    /// The handlers that go behind the gate when the connection is let in, made then.
    private let stage: () -> [any ChannelHandler]
    private var context: ChannelHandlerContext?
    private var ticket: PendingConnections.Ticket?
    private var open = false
    private var readHeld = false

    init(pending: PendingConnections, stage: @escaping () -> [any ChannelHandler]) {
        self.pending = pending
        self.stage = stage
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let gate = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        switch pending.admit(context.channel, wake: { _ in eventLoop.execute { gate.value.letIn(waited: true) } }) {
        case .admitted(let ticket):
            self.ticket = ticket
            letIn(waited: false)
        case .waiting(let ticket):
            self.ticket = ticket
            // Once the channel's set-up has put the handlers behind the gate in place.
            eventLoop.execute { gate.value.context?.fireUserInboundEventTriggered(ConnectionTurn.waiting) }
        case .refused:
            // Closed before anything was read, once the channel's set-up has finished.
            let channel = context.channel
            eventLoop.execute { channel.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if open {
            context.read()
        } else {
            readHeld = true
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is PendingConnections.Presented else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed()
        leave()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func letIn(waited: Bool) {
        guard let context, !open, ticket != nil else { return }
        open = true
        do {
            try context.pipeline.syncOperations.addHandlers(stage(), position: .after(self))
        } catch {
            context.close(promise: nil)
            return
        }
        if waited { context.fireUserInboundEventTriggered(ConnectionTurn.letIn) }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    private func leave() {
        guard let ticket else { return }
        self.ticket = nil
        pending.release(ticket)
    }
}

/// Behind the TLS handler on a listener whose connections stop being pending at the handshake
/// (MQTT: CONNECT is cheap next to it, and the connect deadline bounds it): tells the gate, then
/// leaves.
final class PendingUntilHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .handshakeCompleted = event as? TLSUserEvent {
            context.triggerUserOutboundEvent(PendingConnections.Presented(), promise: nil)
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
