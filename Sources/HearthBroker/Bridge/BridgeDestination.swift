/// An external MQTT broker the hub forwards telemetry to (a maker's cloud), and how the hub
/// proves who it is there: its own client certificate for this destination, over TLS.
///
/// The description names the destination and never prints the key.
public struct BridgeDestination: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// A DNS name or an IP address; the broker's certificate must name it (a DNS name in a
    /// dNSName SAN, an address in an iPAddress SAN).
    public var host: String
    public var port: Int
    /// The CA certificates the broker's chain must end in: the system's trust store is not used.
    public var trustRootsPEM: String
    /// The hub's certificate for this destination, leaf first.
    public var clientCertificateChainPEM: String
    /// The private key of that certificate (EC P-256 or RSA).
    public var clientKeyPEM: String
    /// Put before every forwarded topic, such as `hearth/<household>/`.
    public var topicPrefix: String
    public var clientID: String
    /// Seconds (MQTT 3.1.1 §3.1.2.10); 0 turns the keep-alive off.
    public var keepAlive: UInt16

    public init(
        name: String, host: String, port: Int, trustRootsPEM: String, clientCertificateChainPEM: String,
        clientKeyPEM: String, topicPrefix: String, clientID: String, keepAlive: UInt16 = 60
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.trustRootsPEM = trustRootsPEM
        self.clientCertificateChainPEM = clientCertificateChainPEM
        self.clientKeyPEM = clientKeyPEM
        self.topicPrefix = topicPrefix
        self.clientID = clientID
        self.keepAlive = keepAlive
    }

    /// Throws, saying what is wrong, unless the trust roots and client chain are PEM
    /// certificates and the key is the client certificate's: what a link checks when it starts.
    public func validate() throws {
        _ = try BridgeTLS(self)
    }

    public var description: String { "\(name) (mqtts://\(address), client \(clientID))" }

    /// `host:port`, an IPv6 address in brackets.
    var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
