import Foundation
import HearthCore
import HearthHub
import HearthStore
import Logging
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /console/events`: server-sent events telling an open page that what it shows has
/// changed — a pairing request arrived or was decided, a device changed state, connected or
/// disconnected. The page then re-reads its live regions (the same rendering, the same policy).
///
/// The stream compares the member's ``HouseholdDashboard/LiveState`` every half second, so it
/// sees changes made by any process on the same database (the CLI, another node). A stream
/// lasts at most ``streamLength`` and ends at shutdown; the browser's `EventSource` reconnects.
/// Its reads do not keep the session from going idle, and a session that ends ends the stream.
struct ConsoleEvents: Sendable {
    let console: ConsoleAdapter
    static let interval: Duration = .milliseconds(500)
    static let streamLength = 60
    static let keepAliveEvery = 30

    var endpoints: [Endpoint] {
        [Endpoint(.get, "/console/events") { request, _ in await events(request) }]
    }

    private func events(_ request: Request) async -> Response {
        var headers = ConsoleRenderer.headers(contentType: "text/event-stream")
        headers[.cacheControl] = "no-store"
        guard let caller = try? await console.signedIn(request, .useHousehold, active: false) else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "event: signed-out\ndata: \n\n")))
        }
        let dashboard = console.hub.dashboard
        let console = self.console
        return Response(status: .ok, headers: headers, body: .init { writer in
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            var last = try await dashboard.liveState(for: caller.member)
            for tick in 1...(Self.streamLength * 2) {
                try await Task.sleep(for: Self.interval)
                if Task.isShuttingDownGracefully { break }
                guard let current = try? await console.signedIn(request, .useHousehold, active: false) else {
                    try await writer.write(ByteBuffer(string: "event: signed-out\ndata: \n\n"))
                    break
                }
                let state = try await dashboard.liveState(for: current.member)
                if state != last {
                    last = state
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(tick)\n\n"))
                } else if tick % (Self.keepAliveEvery * 2) == 0 {
                    try await writer.write(ByteBuffer(string: ": still here\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }
}
