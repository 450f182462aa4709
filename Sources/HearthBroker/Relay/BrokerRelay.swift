import Crypto
import NIOCore
import NIOSSL

/// How this node's broker relays a client to the node serving its household, and takes the
/// clients other nodes relay to it (docs/scale-out.md).
public struct BrokerRelay: Sendable {
    /// Where this node takes relayed clients.
    public var host: String
    public var port: Int
    /// The preamble's MAC keys: the first signs, any verifies (a KEK rotation loads two).
    public var keys: [SymmetricKey]
    /// The link's TLS as the relaying side: it trusts only the hub's CA.
    public var clientTLS: NIOSSLContext
    /// The relay listener's TLS stage, made per connection on its event loop.
    public var serverHandlers: @Sendable () -> [any ChannelHandler]

    public init(
        host: String, port: Int, keys: [SymmetricKey], clientTLS: NIOSSLContext,
        serverHandlers: @escaping @Sendable () -> [any ChannelHandler]
    ) {
        self.host = host
        self.port = port
        self.keys = keys
        self.clientTLS = clientTLS
        self.serverHandlers = serverHandlers
    }
}
