import Foundation
import HearthHub
import HearthOAuth
import Hummingbird
import NIOCore

extension OAuthForm {
    /// Reads a form body, refusing other media types and bodies over `limit`.
    static func body(of request: Request, limit: Int) async throws -> OAuthForm {
        guard let type = request.headers[.contentType], MediaType(from: type)?.isType(.applicationUrlEncoded) == true else {
            throw OAuthError(.invalidRequest, "send the parameters as application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw OAuthError(.invalidRequest, "the request body is larger than this hub accepts")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError(.invalidRequest, "the request body is not UTF-8")
        }
        return try OAuthForm(parsing: text)
    }

    static func query(of request: Request) throws -> OAuthForm {
        try OAuthForm(parsing: request.uri.query ?? "")
    }
}
