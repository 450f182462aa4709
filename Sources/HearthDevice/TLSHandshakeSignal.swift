import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// Completes a promise with the server's leaf certificate (DER) once the TLS handshake is done, so
/// the request body — which may have to name the key of that very certificate — is built only
/// after the handshake, and never sent to a server the handshake rejected.
final class TLSHandshakeSignal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<[UInt8]>

    init(_ promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            if let leaf = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
               let der = try? leaf.toDERBytes() {
                promise.succeed(der)
            } else {
                promise.fail(HubTransportError(.tls, "the server presented no certificate"))
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HubTransportError(.unreachable, "the connection closed during the TLS handshake"))
        context.fireChannelInactive()
    }

    // Every path ends here, so the promise never leaks (completing it twice is a no-op).
    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(HubTransportError(.unreachable, "the connection closed during the TLS handshake"))
    }
}

/// The certificates a server presented, recorded by the capture-mode verification callback on the
/// event loop and read by the request's task afterwards.
final class PresentedCertificates: Sendable {
    private let recorded = Mutex<[[UInt8]]>([])

    func record(_ certificates: [NIOSSLCertificate]) -> Bool {
        guard let encodings = try? certificates.map({ try $0.toDERBytes() }), !encodings.isEmpty else { return false }
        recorded.withLock { $0 = encodings }
        return true
    }

    var derEncodings: [[UInt8]] { recorded.withLock { $0 } }
}
