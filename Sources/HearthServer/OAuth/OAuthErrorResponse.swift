import Foundation
import HearthHub
import HearthOAuth
import Hummingbird
import NIOCore

/// RFC 6749 §5.2 error responses (and RFC 6750 / 9449 `WWW-Authenticate` for resource calls):
/// JSON `{error, error_description}`, never cached, never echoing what the caller sent.
extension OAuthError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch code {
        case .invalidClient: .unauthorized
        case .invalidToken: .unauthorized
        case .insufficientScope: .forbidden
        case .serverError: .internalServerError
        case .temporarilyUnavailable: .serviceUnavailable
        default: .badRequest
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try response(headers: [:])
    }

    func response(status: HTTPResponse.Status? = nil, headers extra: HTTPFields) throws -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        if code == .invalidClient, headers[.wwwAuthenticate] == nil {
            headers[.wwwAuthenticate] = #"Bearer error="invalid_client""#
        }
        let body = try JSONSerialization.data(
            withJSONObject: ["error": code.rawValue, "error_description": description], options: [.sortedKeys])
        return Response(status: status ?? self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
