import HearthHub
import Hummingbird

/// One route: method, path pattern (`:name` for a parameter) and handler. Controllers list
/// their endpoints; the hub registers them with the router and with the ``RouteTable``.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, HearthRequestContext) async throws -> Response

    let method: HTTPRequest.Method
    let path: String
    let handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}
