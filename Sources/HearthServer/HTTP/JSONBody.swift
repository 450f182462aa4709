import Foundation
import HearthHub
import Hummingbird
import NIOCore

/// Reading and writing JSON bodies with the errors `/v1` promises: 415 for another content
/// type, 413 past the size limit, 400 for malformed JSON, 422 for well-formed JSON of the wrong
/// shape — each naming the field (never its value).
enum JSONBody {
    static func decode<Value: Decodable>(
        _ type: Value.Type, from request: Request, limit: Int
    ) async throws -> Value {
        try decode(type, from: try await raw(from: request, limit: limit))
    }

    /// The body's bytes as `Value`, with the problems above: a refusal names the field, never its value.
    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw Problem(.badRequest, code: "malformed-json", detail: "the body is not valid JSON")
        } catch let error as DecodingError {
            throw Problem(.unprocessableContent, code: "invalid-body", detail: error.fieldMessage)
        }
    }

    /// The body's bytes, for a document the application layer parses itself (a flow document):
    /// application/json, within the size limit.
    static func raw(from request: Request, limit: Int) async throws -> [UInt8] {
        guard let contentType = request.headers[.contentType], MediaType(from: contentType)?.isType(.applicationJson) == true
        else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported-media-type", detail: "send the body as application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.bodyTooLarge
        }
        return Array(try await request.body.collect(upTo: limit).readableBytesView)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

extension DecodingError {
    /// Which field is wrong and how, in words that never include the submitted value.
    var fieldMessage: String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "field '" + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".") + "'"
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(Self.describe(type)), not null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)) is not valid"
        @unknown default:
            return "the body does not have the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: "of the expected type (an object or array)"
        }
    }
}
