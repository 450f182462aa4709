import Hummingbird
import NIOCore

/// `GET /v1/openapi.json`: the API's OpenAPI 3.1 document (``OpenAPIDocument``), open to anyone
/// like the API's own error messages are.
struct OpenAPIRoutes: Sendable {
    var endpoints: [Endpoint] {
        [
            Endpoint(.get, "/v1/openapi.json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
            }
        ]
    }
}
