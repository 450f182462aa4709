/// How long the HTTPS listener waits on what a client sends, and how many connections may be
/// waited on before they have sent anything worth serving: without these, a client that opens
/// connections and then sends slowly or not at all (the slowloris shape) holds each of them, and
/// its TLS state, for as long as it likes. Timed by the event loops (monotonic I/O deadlines), not
/// by the hub's clock.
public struct HTTPConnectionLimits: Sendable, Equatable {
    /// From the moment a connection is accepted, its TLS handshake and its first request's head
    /// (request line and headers) must be complete within this; otherwise it is closed.
    public var headerTimeout: Duration
    /// From the moment a request's head has arrived, its body must have arrived in full within
    /// this; otherwise the connection is closed. (Bodies are at most `maxBodyBytes`.)
    public var bodyTimeout: Duration
    /// After a response, a kept-alive connection is closed unless the next request's head has
    /// arrived within this.
    public var idleTimeout: Duration
    /// Connections that are *pending* — accepted, but their first request (TLS handshake, head and
    /// body) not yet received in full — at most at once. Until then the hub knows nothing about the
    /// client: no credential has been seen. At the cap, the oldest pending connection is closed to
    /// admit the new one, so a flood of idle connections delays a quick client but cannot lock it
    /// out — unless the oldest has been pending less than `pendingGrace` (below).
    public var maxPendingConnections: Int
    /// At the cap, a pending connection younger than this is not closed for a new one; the new one
    /// is closed instead, before any TLS work is spent on it. In a burst of real clients (a fleet's
    /// renewals, an app opening hundreds of connections) every pending connection is a handshake in
    /// progress, and closing the oldest would throw away the work done on it to start one that the
    /// next arrival throws away in turn; an idle flood's connections age past this and are closed.
    public var pendingGrace: Duration

    public init(
        headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30), idleTimeout: Duration = .seconds(60),
        maxPendingConnections: Int = 512, pendingGrace: Duration = .seconds(2)
    ) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxPendingConnections = maxPendingConnections
        self.pendingGrace = pendingGrace
    }
}
