import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// The hub's own HTTPS requests (alert webhooks, audit witnesses): one client for the process,
/// never shut down, that follows no redirect (the hub posts only where it was told to) and waits
/// 5 s to connect and 10 s for an answer. A receiver whose certificate chains to roots an owner
/// gave (a private CA, another hub's root) is reached trusting those only, never the system's.
enum OutboundHTTP {
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10))))

    /// A request POSTing `body` to `url`; with `trustRootsPEM`, its TLS trusts those roots alone
    /// (the client keeps a pool of connections per TLS configuration).
    static func request(posting body: [UInt8], to url: String, trustRootsPEM: String?, headers: [(String, String)]) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        if let trustRootsPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(trustRootsPEM.utf8)))
            request.tlsConfiguration = tls
        }
        return request
    }
}
