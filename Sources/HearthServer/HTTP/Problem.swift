import HearthHub
import Logging
import Foundation
import HearthCore
import Hummingbird

/// An RFC 9457 problem details response, the only error shape `/v1` answers with.
///
/// `detail` is written for the caller and never echoes what they sent (a password, a token)
/// back; the request id lets an operator find the matching log line.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// A short kebab-case code, also the last part of the `type` URI.
    public let code: String
    public let detail: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
    }

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let instance: String
        let code: String
        let requestID: String

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, instance, code
            case requestID = "request_id"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "urn:hearth:problem:\(code)", title: status.reasonPhrase, status: status.code, detail: detail,
            instance: request.uri.path, code: code, requestID: context.requestID)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

extension Problem {
    /// The problem for a typed Hearth error; its reason is safe to show by contract.
    init(_ error: HearthError) {
        var headers: HTTPFields = [:]
        if let wait = Self.retryAfter(for: error) { headers[.retryAfter] = String(wait) }
        if let challenge = error.challenge { headers[.wwwAuthenticate] = Self.authenticate(challenge) }
        self.init(Self.status(for: error), code: error.code.rawValue, detail: error.reason, headers: headers)
    }

    /// Every throttled answer says when to come back (RFC 6585 §4): the wait the operation
    /// computed, or a minute for a throttled error that came without one, so no 429 lacks it.
    static func retryAfter(for error: HearthError) -> Int? {
        error.retryAfter ?? (error.code.category == .throttled ? 60 : nil)
    }

    /// The status for an error's category.
    static func status(for error: HearthError) -> HTTPResponse.Status {
        switch error.code.category {
        case .invalidInput: .unprocessableContent
        case .rejected: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .throttled: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    /// RFC 6750 §3 and RFC 9449 §7.1: what to present instead.
    static func authenticate(_ challenge: HearthError.Challenge) -> String {
        var parameters: [String] = []
        if challenge.scheme == "DPoP" { parameters.append(#"algs="ES256""#) }
        if let error = challenge.error { parameters.append("error=\"\(error)\"") }
        if let scope = challenge.scope { parameters.append("scope=\"\(scope)\"") }
        return parameters.isEmpty ? challenge.scheme : challenge.scheme + " " + parameters.joined(separator: ", ")
    }
}
