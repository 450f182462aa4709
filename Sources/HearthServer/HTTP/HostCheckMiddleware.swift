import HearthCore
import HearthDetection
import HearthHub
import Hummingbird

/// Refuses a request naming a host that is not one of the hub's (421, problem+json, before any
/// route runs) and signals it to detection: DNS rebinding (docs/detection.md).
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = HearthRequestContext
    let names: HostNames
    let signals: SignalInbox?
    let clock: any HearthClock

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let host = request.head.authority
        guard names.allows(host) else {
            signals?.post(.unknownHost(String((host ?? "").prefix(255)), source: context.remoteIP, at: clock.now))
            return try Problem(
                .misdirectedRequest, code: "unknown-host", detail: "this hub does not answer to that name; use one of its own names"
            ).response(from: request, context: context)
        }
        return try await next(request, context)
    }
}
