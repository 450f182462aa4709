import Foundation
import HearthHub
import HearthOAuth
import Hummingbird
import NIOCore

/// `POST /oauth/token`: the form in, the grant's tokens out, never cached.
extension AuthorizationServer {
    func token(_ request: Request, _ context: HearthRequestContext) async throws -> Response {
        let form = try await OAuthForm.body(of: request, limit: bodyLimit)
        let granted = try await token(form, context.call(request))
        var response = try Self.tokenResponse(granted.body)
        if let nonce = granted.dpopNonce { response.headers[Self.dpopNonceHeader] = nonce }
        return response
    }

    static let dpopHeader = HTTPFields.Element.Name("DPoP")!
    static let dpopNonceHeader = HTTPFields.Element.Name("DPoP-Nonce")!
}

extension DPoPNonceRequired: HTTPResponseError {
    package var status: HTTPResponse.Status { .badRequest }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        try OAuthError(.useDPoPNonce, "retry with the nonce in the DPoP-Nonce header")
            .response(headers: [AuthorizationServer.dpopNonceHeader: nonce])
    }
}

extension AuthorizationServer {
    /// RFC 6749 §5.1: JSON, never cached.
    static func tokenResponse(_ body: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store", .init("Pragma")!: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}
