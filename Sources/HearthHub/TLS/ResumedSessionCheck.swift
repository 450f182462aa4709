import NIOCore
import NIOSSL
import NIOTLS

/// Verifies again the client certificate of a TLS session resumed from a ticket.
///
/// A TLS 1.3 resumption skips the certificate exchange, so ``ClientCertificateVerifier``, which
/// gates every full handshake, never sees it: the session carries the certificate as it was when
/// the ticket was issued, which may have been revoked (or have expired) since. swift-nio-ssl has no
/// switch for session tickets and no way to reach BoringSSL's context, so resumption stays on and
/// this handler closes the gap: it sits right behind the TLS handler, and a connection whose
/// handshake ends with a client certificate that was not verified in that handshake is held —
/// nothing it sends reaches HTTP or MQTT — until the same verifier has passed the certificate
/// again, and closed otherwise. Connections without a certificate, or verified in their handshake,
/// pass at once; either way the handler then leaves the pipeline.
final class ResumedSessionCheck: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    typealias Verify = @Sendable ([NIOSSLCertificate]) async -> NIOSSLVerificationResult

    private enum State {
        case handshaking
        case checking
        case passed
    }

    private let verify: Verify
    private var state = State.handshaking
    /// Set by the TLS handler's verification callback, which runs only in a full handshake.
    private var verifiedInHandshake = false
    /// What arrived while the check ran (TLS decrypts nothing before its handshake ends).
    private var held: [NIOAny] = []
    /// A read the pipeline asked for while the check ran: done when it passes.
    private var readDeferred = false

    init(verify: @escaping Verify) {
        self.verify = verify
    }

    /// Called by the TLS handler's verification callback, on the connection's event loop.
    func certificateVerifiedInHandshake() {
        verifiedInHandshake = true
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        guard case .handshakeCompleted = event as? TLSUserEvent, case .handshaking = state else { return }
        guard !verifiedInHandshake, let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate() else {
            pass(context)
            return
        }
        // A certificate the handshake did not verify: the session was resumed.
        state = .checking
        let verify = self.verify
        let verdict = context.eventLoop.makePromise(of: NIOSSLVerificationResult.self)
        verdict.completeWithTask { await verify([certificate]) }
        verdict.futureResult.assumeIsolated().whenComplete { result in
            guard case .checking = self.state else { return }
            if case .success(.certificateVerified) = result {
                self.pass(context)
            } else {
                self.held.removeAll()
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .passed = state {
            context.fireChannelRead(data)
        } else {
            held.append(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .passed = state { context.fireChannelReadComplete() }
    }

    /// Holds reads while checking, so a resumed client cannot pile data up meanwhile; the
    /// handshake itself needs them, so they go through before.
    func read(context: ChannelHandlerContext) {
        if case .checking = state {
            readDeferred = true
        } else {
            context.read()
        }
    }

    private func pass(_ context: ChannelHandlerContext) {
        state = .passed
        let held = self.held
        self.held.removeAll()
        for data in held { context.fireChannelRead(data) }
        if !held.isEmpty { context.fireChannelReadComplete() }
        if readDeferred {
            readDeferred = false
            context.read()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
