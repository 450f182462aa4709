import Foundation
import HearthCore
import Hummingbird

/// Query-string parameters with the 400 errors `/v1` promises for malformed ones.
struct QueryParameters {
    let values: [String: String]

    init(_ request: Request) {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { values[String(key)] = String(value) }
        self.values = values
    }

    func text(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    func integer(_ name: String, required: Bool = false) throws -> Int64? {
        guard let text = text(name) else {
            if required { throw Problem(.badRequest, code: "invalid-query", detail: "query parameter \(name) is required") }
            return nil
        }
        guard let value = Int64(text), value >= 0 else {
            throw Problem(.badRequest, code: "invalid-query", detail: "query parameter \(name) must be a non-negative integer")
        }
        return value
    }

    /// One of a fixed set of values, by its raw value.
    func choice<Value: RawRepresentable<String>>(_ name: String, _: Value.Type) throws -> Value? {
        guard let text = text(name) else { return nil }
        if let value = Value(rawValue: text) { return value }
        throw Problem(.badRequest, code: "invalid-query", detail: "query parameter \(name) has no value \(text)")
    }

    /// An RFC 3339 time, with or without fractional seconds.
    func time(_ name: String) throws -> Date? {
        guard let text = text(name) else { return nil }
        if let date = RFC3339.parse(text) { return date }
        throw Problem(.badRequest, code: "invalid-query", detail: "query parameter \(name) must be an RFC 3339 time")
    }
}
