import AsyncHTTPClient
import Foundation
import HearthHub
import NIOCore
import NIOHTTP1

/// Posts alert webhooks with AsyncHTTPClient: the system's trust roots for `https://`, no
/// redirects (the hub posts only where it was told to), 5 s to connect and 10 s for the answer.
struct HTTPWebhookPoster: WebhookPoster {
    /// One client for the process, never shut down: it lives as long as the hub does.
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(10))))

    func post(_ url: URL, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await Self.client.execute(request, timeout: .seconds(15))
        // The answer's body is not used; read a little of it so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
