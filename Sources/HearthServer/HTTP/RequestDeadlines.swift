import HTTPTypes
import HearthHub
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// The deadlines of ``HTTPConnectionLimits`` that Hummingbird does not have (its own idle timeout
/// covers kept-alive connections), on one HTTPS connection, just behind the HTTP decoder:
///
/// - from accept, the TLS handshake and the first request's head within `headerTimeout`;
/// - from each request's head (the end of the read that brought it), its whole body within
///   `bodyTimeout`;
/// - the connection counts as pending (``PendingConnections``) until its first request has been
///   received in full.
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
    private let pending: PendingConnections
    private var ticket: PendingConnections.Ticket?
    private var deadline: Scheduled<Void>?
    /// Request heads read and responses finished: the response being written answers request
    /// number `responsesFinished + 1`.
    private var requestsStarted = 0
    private var responsesFinished = 0
    /// The latest request's head has arrived and its body has not, in full.
    private var bodyIncomplete = false
    private var closeAfterResponse = false

    init(limits: HTTPConnectionLimits, pending: PendingConnections) {
        self.limits = limits
        self.pending = pending
    }

    /// Added when the connection is accepted: its first deadline starts now.
    func handlerAdded(context: ChannelHandlerContext) {
        guard let ticket = pending.admit(context.channel) else {
            // Past the cap: closed before its handshake, once the channel's set-up has finished.
            let channel = context.channel
            context.eventLoop.execute { Self.abort(channel) }
            return
        }
        self.ticket = ticket
        arm(context, limits.headerTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        leavePending()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        leavePending()
        context.fireChannelInactive()
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
            leavePending()
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
            Self.abort(context.channel)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func leavePending() {
        if let ticket {
            pending.release(ticket)
            self.ticket = nil
        }
    }

    /// Closes `channel` at the socket, on its event loop: the close starts below the TLS handler
    /// (from its context), so no close_notify is sent and none is waited for — a plain close would
    /// keep the socket up to the TLS shutdown timeout for a client that never answers.
    static func abort(_ channel: any Channel) {
        if let tls = try? channel.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self) {
            tls.close(promise: nil)
        } else {
            channel.close(promise: nil)
        }
    }
}
