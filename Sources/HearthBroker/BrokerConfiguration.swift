/// The broker's limits. Every one bounds what a single client, or a crowd of them, can make the
/// broker hold or do.
public struct BrokerConfiguration: Sendable {
    /// Where the broker listens (MQTT over TLS); port 0 picks a free port (tests).
    public var host: String
    public var port: Int
    /// Event-loop threads of the broker (the HTTPS API has its own). One keeps delivery free of
    /// thread hops; more spread TLS work at the cost of a hop per delivery between them.
    public var threads: Int = 1
    /// The largest packet accepted (and advertised in an MQTT 5 CONNACK), fixed header included.
    public var maximumPacketSize: Int = 256 * 1024
    /// Open connections at most; further ones are closed right after they are accepted.
    public var maximumConnections: Int = 20_000
    /// TLS handshakes under way at once; further new connections wait their turn unread, as many
    /// as `maximumConnections` allows (the hub's `PendingConnections`).
    public var maximumPendingConnections: Int = 256
    /// How long a new connection may take to finish TLS and send CONNECT, waiting its turn included.
    public var connectTimeout: Duration = .seconds(10)
    /// The longest keep-alive granted; a client asking for more (or for none) gets this. A client
    /// that sends nothing for one and a half times its keep-alive is disconnected.
    public var maximumKeepAlive: UInt16 = 300
    /// QoS 1 and 2 messages the broker sends a client before waiting for acknowledgements
    /// (lowered by the client's MQTT 5 Receive Maximum), and the client may send unacknowledged.
    public var maximumInflight: UInt16 = 32
    /// Messages kept for one client: waiting for in-flight room, or for an offline persistent
    /// session. Further QoS 1/2 messages are dropped and counted.
    public var maximumQueuedMessages: Int = 1000
    /// Topic aliases a client may set (MQTT 5).
    public var topicAliasMaximum: UInt16 = 64
    /// Retained messages per household.
    public var maximumRetainedPerHousehold: Int = 10_000
    /// The longest a disconnected session is kept (MQTT 5 Session Expiry is capped at this; a
    /// 3.1.1 persistent session, which never expires by the spec, is kept this long).
    public var maximumSessionExpiry: UInt32 = 7 * 86_400

    public init(host: String = "127.0.0.1", port: Int = 8883) {
        self.host = host
        self.port = port
    }
}
