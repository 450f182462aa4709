import HearthDetection
import NIOCore
import NIOSSL
import NIOTLS

/// Reports a TLS handshake the hub refused — a client certificate that is not one of the hub's
/// own (revoked, expired, another CA), or any other TLS failure (a scanner, a client too old) —
/// with its source address, once per connection; it leaves the pipeline when a handshake
/// completes. Sits right behind the TLS handler, which tells it when its certificate check failed.
final class HandshakeWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let report: @Sendable (HandshakeRefusal, String?) -> Void
    private var certificateRefused = false
    private var reported = false

    init(report: @escaping @Sendable (HandshakeRefusal, String?) -> Void) {
        self.report = report
    }

    /// The TLS handler's certificate check failed (on the connection's event loop).
    func refusedCertificate() {
        certificateRefused = true
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, error is NIOSSLError || error is BoringSSLError {
            reported = true
            report(certificateRefused ? .clientCertificate : .tlsError, context.channel.remoteAddress?.ipAddress)
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .handshakeCompleted = event as? TLSUserEvent {
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
