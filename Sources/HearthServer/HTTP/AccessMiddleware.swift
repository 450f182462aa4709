import HearthHub
import Hummingbird
import Logging
import Metrics

/// The outermost layer of every request: one log line, request count and latency by route and
/// status, the request id header, and headers that keep tokens out of caches.
///
/// The log line names the method, the route pattern and status — never the query string, a
/// header or a body, where a token or password could be.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = HearthRequestContext
    let metrics: HTTPMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        // Unmatched paths share one label so strangers cannot grow the metric set without bound.
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, elapsed: elapsed)
        response.headers[.init("X-Request-Id")!] = context.requestID
        response.headers[.cacheControl] = "no-store"
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "ms": "\(elapsed.milliseconds)", "remote": "\(context.remoteIP ?? "-")",
        ])
        return response
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
