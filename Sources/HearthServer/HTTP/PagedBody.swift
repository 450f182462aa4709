import HTTPTypes

/// A page of a `/v1` listing: `{"<name>": [...], "next_cursor": "..."}`, with `next_cursor` written
/// as `null` on the last page (not left out), as documented for every paged endpoint.
struct PagedBody<Item: Encodable>: Encodable {
    let name: String
    let items: [Item]
    let nextCursor: String?

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: name))
        try container.encode(nextCursor, forKey: Key(stringValue: "next_cursor"))
    }
}

extension QueryParameters {
    /// `limit`: 1 to `maximum`, `fallback` when absent.
    func pageLimit(maximum: Int, fallback: Int = 100) throws -> Int {
        let limit = try integer("limit") ?? Int64(fallback)
        guard (1...Int64(maximum)).contains(limit) else {
            throw Problem(.badRequest, code: "invalid-query", detail: "limit must be 1 to \(maximum)")
        }
        return Int(limit)
    }
}
