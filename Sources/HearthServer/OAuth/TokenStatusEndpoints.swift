import HearthHub
import HearthOAuth
import Hummingbird

/// `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009).
extension AuthorizationServer {
    func introspect(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        return try Self.tokenResponse(try await introspect(form, context.call(request)))
    }

    func revoke(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        try await revoke(form, context.call(request))
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }
}
