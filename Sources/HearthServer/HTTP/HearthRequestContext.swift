import HearthHub
import Logging
import Hummingbird
import NIOCore
import NIOSSL

/// Per-request state: Hummingbird's core storage plus the caller's address and connection (whose
/// TLS handshake holds the client certificate, if one was presented).
public struct HearthRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (no port), used for throttling and audit; nil for non-IP transports.
    public let remoteIP: String?
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }
}

extension RequestContext {
    /// Hummingbird's request id (also on every log line of the request).
    public var requestID: String {
        logger[metadataKey: "hb.request.id"].map { "\($0)" } ?? "-"
    }
}

extension HearthRequestContext {
    /// What the application layer needs of this request: its source, credentials and target.
    func call(_ request: Request) -> CallContext {
        let channel = self.channel
        return CallContext(
            source: remoteIP, authorization: request.headers[.authorization],
            dpopProofs: request.headers[values: AuthorizationServer.dpopHeader], method: request.method.rawValue,
            path: request.uri.path, logger: logger,
            clientCertificate: { try? await channel.nioSSL_peerCertificate().get()?.toDERBytes() })
    }
}
