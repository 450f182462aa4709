import AsyncHTTPClient
import HearthHub
import NIOCore
import NIOHTTP1

/// Posts checkpoints to audit witnesses with the hub's outbound client (``OutboundHTTP``): a
/// witness whose certificate chains to a root of its own (another hub) is reached trusting only
/// that root; otherwise the system's roots.
public struct HTTPWitnessTransport: WitnessTransport {
    public init() {}

    public func post(_ url: String, caPEM: String?, body: [UInt8]) async throws -> WitnessReply {
        let request = try OutboundHTTP.request(
            posting: body, to: url, trustRootsPEM: caPEM, headers: [("Content-Type", "text/plain; charset=utf-8")])
        let response = try await OutboundHTTP.client.execute(request, timeout: .seconds(15))
        let reply = try await response.body.collect(upTo: 64 * 1024)
        return WitnessReply(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
            body: Array(reply.readableBytesView))
    }
}
