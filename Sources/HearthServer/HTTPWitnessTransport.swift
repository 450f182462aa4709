import AsyncHTTPClient
import HearthHub
import NIOCore
import NIOHTTP1
import NIOSSL

/// Posts checkpoints to audit witnesses with AsyncHTTPClient. A witness whose certificate chains
/// to a root of its own (another hub) is reached by a client trusting only that root, made for
/// the call; otherwise the process's shared client and the system's roots. No redirects.
public struct HTTPWitnessTransport: WitnessTransport {
    public init() {}

    private static let timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(10))
    private static let shared = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: timeout))

    public func post(_ url: String, caPEM: String?, body: [UInt8]) async throws -> WitnessReply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(bytes: body))
        guard let caPEM else { return try await Self.send(request, with: Self.shared) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: Self.timeout))
        do {
            let reply = try await Self.send(request, with: client)
            try await client.shutdown()
            return reply
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func send(_ request: HTTPClientRequest, with client: HTTPClient) async throws -> WitnessReply {
        let response = try await client.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 64 * 1024)
        return WitnessReply(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
            body: Array(body.readableBytesView))
    }
}
