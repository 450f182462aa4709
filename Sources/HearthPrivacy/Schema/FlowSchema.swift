import HearthCore

/// The JSON Schema (draft 2020-12, a closed subset) a flow's payloads must match, compiled once.
///
/// Supported keywords: `type` (`integer` meaning a number with no fractional part, so `1.0` is
/// one), `properties`, `required`, `additionalProperties`, `enum`, `const`, `minimum`, `maximum`,
/// `minLength`, `maxLength` (in code points), `pattern` (searched, see `SchemaPattern`), `items` (one
/// schema for every item), `minItems`, `maxItems`; boolean schemas anywhere; `title`,
/// `description`, `$comment` and `$schema` (only draft 2020-12's URI) as annotations. Any other
/// keyword refuses the schema, naming it and its location, so nothing is half-checked.
///
/// Equal when their canonical texts are: two schemas that differ only in member order or
/// whitespace are the same schema.
public struct FlowSchema: Sendable, Hashable {
    /// The canonical text (`JSONWriter.canonical`).
    public let json: [UInt8]
    let program: SchemaProgram

    public init(json: [UInt8]) throws(HearthError) {
        self = try JSONDocument.reading(json, notJSON: "schema: not JSON") { (view) throws(HearthError) in
            try FlowSchema(view, at: 0, pointer: "")
        }
    }

    /// The schema at `index` of a larger document; errors name locations from `pointer` on.
    init(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) {
        program = try SchemaCompiler.compile(view, at: index, pointer: pointer)
        var writer = JSONWriter()
        writer.canonical(view, at: index)
        json = writer.bytes
    }

    /// The first way the payload (its first token's value) breaks the schema, or nil.
    public func validate(_ payload: JSONView) -> SchemaViolation? {
        program.violation(in: payload)
    }

    public func validate(_ payload: JSONDocument) -> SchemaViolation? {
        payload.withView { validate($0) }
    }

    public static func == (lhs: FlowSchema, rhs: FlowSchema) -> Bool { lhs.json == rhs.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}
