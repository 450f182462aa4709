import HearthHub
import HummingbirdCore
import Logging
import NIOCore

/// The hub's HTTPS connections: the TLS stage shared with the MQTT broker
/// (``ClientCertificateTLS``: the handshake, and the check of resumed sessions), then
/// Hummingbird's HTTP/1.1 with the connection limits — its idle timeout for kept-alive
/// connections, ``RequestDeadlines`` for the rest. In place of HummingbirdTLS's `TLSChannel`, which
/// has no room for a handler between TLS and HTTP.
struct HTTPSChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let tls: ClientCertificateTLS
    /// The listener's pending connections (until the first request): ``ClientCertificateTLS``'s gate.
    let pending: PendingConnections
    /// Whether a source address is refused at once (detection's brute-force containment).
    let blocked: @Sendable (String?) -> Bool
    let http: HTTP1Channel

    var responder: HTTPChannelHandler.Responder { http.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard !blocked(channel.remoteAddress?.ipAddress) else {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers(tls.gatedHandlers(pending, pendingUntilHandshake: false))
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }

    /// The server for `Application(server:)`; one count of pending connections for the listener.
    static func server(
        tls: ClientCertificateTLS, limits: HTTPConnectionLimits, blocked: @escaping @Sendable (String?) -> Bool
    ) -> HTTPServerBuilder {
        let pending = PendingConnections(limit: limits.maxPendingConnections, grace: limits.pendingGrace)
        return HTTPServerBuilder { responder in
            HTTPSChannel(
                tls: tls,
                pending: pending,
                blocked: blocked,
                http: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [RequestDeadlines(limits: limits)],
                        idleTimeout: TimeAmount(limits.idleTimeout))))
        }
    }
}
