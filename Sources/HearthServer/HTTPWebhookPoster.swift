import AsyncHTTPClient
import Foundation
import HearthHub
import NIOCore
import NIOHTTP1

/// Posts alert webhooks with the hub's outbound client (``OutboundHTTP``); 15 s in all.
struct HTTPWebhookPoster: WebhookPoster {
    func post(_ url: URL, trustRootsPEM: String?, headers: [(String, String)], body: [UInt8]) async throws -> Int {
        let request = try OutboundHTTP.request(posting: body, to: url.absoluteString, trustRootsPEM: trustRootsPEM, headers: headers)
        let response = try await OutboundHTTP.client.execute(request, timeout: .seconds(15))
        // The answer's body is not used; read a little of it so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return Int(response.status.code)
    }
}
