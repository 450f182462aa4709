import HTTPTypes
import HearthCore
import HearthHub
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// The deadlines of ``HTTPConnectionLimits`` that Hummingbird does not have (its own idle timeout
/// covers kept-alive connections), on one HTTPS connection, just behind the HTTP decoder:
///
/// - from accept — or, for a connection that waited its turn among the pending ones, from when it
///   was let in — the TLS handshake and the first request's head within `headerTimeout`;
/// - from each request's head (the end of the read that brought it), its whole body within
///   `bodyTimeout`;
/// - the connection counts as pending (``PendingConnections``, whose gate sits in front of TLS)
///   until its first request has been received in full: it tells the gate then.
///
/// A connection past a deadline is dropped at the socket, with no answer: it has not sent a
/// request that could be answered, and its client is not owed a TLS close it would not wait for.
///
/// It also closes the connection after a 413 that comes before its request's body has arrived (a
/// chunked body over the limit), with `Connection: close` on the response: keeping it would mean
/// reading and throwing away a body already known to be too large. Any other answer given before
/// the body has arrived (a route that does not need it, a refusal) leaves the connection open and
/// the rest of the body is read and dropped, within the body deadline: closing there would make a
/// client that is still writing its body — on a loaded machine, the body often arrives a moment
/// after the head — fail with a broken connection instead of reading the answer.
///
/// Time comes from the event loop's scheduled tasks (monotonic I/O deadlines).
final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: HTTPConnectionLimits
    private var deadline: Scheduled<Void>?
    /// Request heads read and responses finished: the response being written answers request
    /// number `responsesFinished + 1`.
    private var requestsStarted = 0
    private var responsesFinished = 0
    /// The latest request's head has arrived and its body has not, in full.
    private var bodyIncomplete = false
    private var closeAfterResponse = false

    init(limits: HTTPConnectionLimits) {
        self.limits = limits
    }

    /// Added when the connection is accepted: its first deadline starts now, and starts again
    /// when a connection that had to wait for room among the pending ones is let in.
    func handlerAdded(context: ChannelHandlerContext) {
        arm(context, limits.headerTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event as? ConnectionTurn {
        case .waiting?: disarm()
        case .letIn? where requestsStarted == 0: arm(context, limits.headerTimeout)
        default: break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsStarted += 1
            bodyIncomplete = true
            // The body's deadline starts at the end of this read, and only if the body is not
            // complete by then: most requests arrive whole in one read and need no timer at all.
            disarm()
        case .body:
            break
        case .end:
            bodyIncomplete = false
            disarm()
            // Parts come in order (a pipelined request's head only after this end): the first end is the first request's.
            if requestsStarted == 1 { context.triggerUserOutboundEvent(PendingConnections.Presented(), promise: nil) }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if bodyIncomplete, deadline == nil { arm(context, limits.bodyTimeout) }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response)
        where response.status == .contentTooLarge && bodyIncomplete && requestsStarted == responsesFinished + 1:
            closeAfterResponse = true
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end where closeAfterResponse:
            responsesFinished += 1
            // Through TLS, so the response is delivered and followed by close_notify.
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        case .end:
            responsesFinished += 1
            context.write(data, promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        }
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: Duration) {
        deadline?.cancel()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            self.deadline = nil
            PendingConnections.abort(context.channel)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
