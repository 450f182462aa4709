import Logging

/// What the application layer knows of a call, whichever adapter received it (the HTTP API, the
/// console, the broker): where it came from, the credentials it carried, and the method and path
/// that a proof of possession (DPoP, RFC 9449 §4.3) must name.
package struct CallContext: Sendable {
    /// The caller's address, for throttling and audit; nil when the transport has none.
    package var source: String?
    /// The `Authorization` credential as sent (`Bearer …`, `DPoP …`, `Basic …`).
    package var authorization: String?
    /// Every DPoP proof the call carried (a valid call carries one).
    package var dpopProofs: [String]
    package var method: String
    package var path: String
    package var logger: Logger
    /// The client certificate the TLS handshake verified (DER), read only by the operations that
    /// need it, since reading it costs a hop to the connection's event loop.
    package let clientCertificate: @Sendable () async -> [UInt8]?

    package init(
        source: String?, authorization: String?, dpopProofs: [String], method: String, path: String, logger: Logger,
        clientCertificate: @escaping @Sendable () async -> [UInt8]?
    ) {
        self.source = source
        self.authorization = authorization
        self.dpopProofs = dpopProofs
        self.method = method
        self.path = path
        self.logger = logger
        self.clientCertificate = clientCertificate
    }
}
