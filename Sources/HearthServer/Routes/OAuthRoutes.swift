import HearthHub
import Hummingbird

/// The authorization server's endpoints (`/oauth/…`) and its metadata.
struct OAuthRoutes: Sendable {
    let server: AuthorizationServer

    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/.well-known/oauth-authorization-server") { _, _ in server.metadata() },
            Endpoint(.get, "/oauth/jwks.json") { _, _ in try await server.jwks() },
            Endpoint(.get, "/oauth/authorize") { request, context in try await server.authorizePage(request, context) },
            Endpoint(.post, "/oauth/authorize") { request, context in try await server.authorizeDecision(request, context) },
            Endpoint(.post, "/oauth/token") { request, context in try await server.token(request, context) },
            Endpoint(.post, "/oauth/device_authorization") { request, context in
                try await server.startDeviceAuthorization(request, context)
            },
            Endpoint(.get, "/oauth/device") { request, context in try await server.deviceVerificationPage(request, context) },
            Endpoint(.post, "/oauth/device") { request, context in try await server.deviceVerificationDecision(request, context) },
            Endpoint(.post, "/oauth/introspect") { request, context in try await server.introspect(request, context) },
            Endpoint(.post, "/oauth/revoke") { request, context in try await server.revoke(request, context) },
        ]
    }
}
