/// A parsed JSON text that owns its bytes: for what is read once and kept (schemas, flow
/// declarations), where the hot path's borrowing would only get in the way.
public struct JSONDocument: Sendable, Hashable {
    public let bytes: [UInt8]
    public let tokens: [JSONToken]

    public init(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        self.bytes = bytes
        let parsed = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
        }
        tokens = try parsed.get()
    }

    public init(_ text: String) throws(JSONSyntaxError) {
        try self.init(Array(text.utf8))
    }

    public func withView<Output, Failure: Error>(_ body: (JSONView) throws(Failure) -> Output) throws(Failure) -> Output {
        let result = bytes.withUnsafeBytes { bytes in
            tokens.withUnsafeBufferPointer { tokens in
                Result { () throws(Failure) in try body(JSONView(bytes: bytes, tokens: tokens)) }
            }
        }
        return try result.get()
    }
}
