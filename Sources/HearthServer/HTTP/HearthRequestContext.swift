import Logging
import Hummingbird
import NIOCore

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
