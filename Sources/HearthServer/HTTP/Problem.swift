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
        let status: HTTPResponse.Status = switch error.code {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict, .illegalTransition, .alreadyInitialized: .conflict
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .throttled: .tooManyRequests
        case .storageUnavailable: .serviceUnavailable
        default: .internalServerError
        }
        self.init(status, code: error.code.rawValue, detail: error.reason)
    }

    static func unauthenticated(_ detail: String, invalidToken: Bool) -> Problem {
        Problem(
            .unauthorized, code: "unauthenticated", detail: detail,
            headers: [.wwwAuthenticate: invalidToken ? #"Bearer error="invalid_token""# : "Bearer"])
    }
}
