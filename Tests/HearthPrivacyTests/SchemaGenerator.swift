import HearthCore

/// A random schema of the supported subset, its text, and what the instance generator needs to
/// make payloads near its edges (so that about half are valid).
///
/// Patterns are drawn from a list where Python's `re` and Swift `Regex` agree: literal
/// characters, `[a-z0-9]` classes, `^` and `$` (strings never end in a newline), `?`, `*`, `+`,
/// `{m,n}`, and alternation inside groups.
final class GeneratedSchema {
    var boolean: Bool?
    var focus = Focus.any
    var types: [String] = []
    var properties: [(name: String, schema: GeneratedSchema)] = []
    var required: [String] = []
    var additional: GeneratedSchema?
    var items: GeneratedSchema?
    var constant: GeneratedJSON?
    var enumValues: [GeneratedJSON] = []
    var minimum: Double?
    var maximum: Double?
    var minLength: Int?
    var maxLength: Int?
    var minItems: Int?
    var maxItems: Int?
    var text = ""

    enum Focus: CaseIterable { case object, array, string, number, integer, boolean, null, any }

    static let patterns = [
        "^[a-z]+$", "[0-9]", "^a", "b$", "^(ab|cd)+$", "x{2,3}", "^[a-z0-9]{2,4}$", "colou?r",
        "^(on|off|standby)$", "a*b", "é", "^[a-z]*[0-9]+$", "^$", "(日|x)本", "^.{2}$",
    ]
}

/// Counts of what the generator made, so the test can require that every keyword was exercised.
struct GeneratorCoverage: Sendable {
    var keywords: [String: Int] = [:]
    mutating func saw(_ keyword: String) { keywords[keyword, default: 0] += 1 }
}

/// A schema's keywords and their values' text, before they are shuffled into an object.
struct KeywordList {
    var items: [(String, String)] = []
    mutating func add(_ keyword: String, _ value: String) { items.append((keyword, value)) }
}

struct SchemaGenerator {
    var random: SplitMix64
    var coverage = GeneratorCoverage()

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func schema(depth: Int = 0) -> GeneratedSchema {
        let schema = GeneratedSchema()
        if random.chance(depth == 0 ? 0.03 : 0.08) {
            let value = random.chance(0.7)
            schema.boolean = value
            schema.text = value ? "true" : "false"
            coverage.saw(value ? "true-schema" : "false-schema")
            return schema
        }
        var foci = GeneratedSchema.Focus.allCases
        if depth >= 2 { foci.removeAll { $0 == .object || $0 == .array } }
        schema.focus = random.pick(foci)
        var keywords = KeywordList()

        if schema.focus != .any, random.chance(0.75) {
            let name = schema.focus == .boolean ? "boolean" : "\(schema.focus)"
            schema.types = [name]
            if random.chance(0.25) { schema.types.append(random.pick(["null", "string", "number", "integer", "boolean"].filter { $0 != name })) }
            keywords.add("type", schema.types.count == 1 && random.chance(0.5)
                ? GeneratedJSON.literal(name) : "[" + schema.types.map(GeneratedJSON.literal).joined(separator: ",") + "]")
        }
        // Keywords of other types than the focus now and then: they must be ignored there.
        let stray = random.chance(0.15)
        if schema.focus == .object || (schema.focus == .any && random.chance(0.3)) || stray {
            objectKeywords(schema, depth: depth, &keywords)
        }
        if schema.focus == .array || (stray && depth < 2) { arrayKeywords(schema, depth: depth, &keywords) }
        if schema.focus == .string || stray { stringKeywords(schema, &keywords) }
        if schema.focus == .number || schema.focus == .integer || stray { numberKeywords(schema, &keywords) }
        if random.chance(0.08) {
            let value = random.value(depth: 2)
            schema.constant = value
            keywords.add("const", value.text)
        }
        if random.chance(0.12) {
            schema.enumValues = (0..<random.int(0...4)).map { _ in random.value(depth: random.int(0...2)) }
            keywords.add("enum", "[" + schema.enumValues.map(\.text).joined(separator: ",") + "]")
        }
        if random.chance(0.05) { keywords.add("title", #""A title""#) }
        if random.chance(0.05) { keywords.add("description", #""Why it is there""#) }
        if random.chance(0.03) { keywords.add("$comment", #""note""#) }
        if depth == 0, random.chance(0.1) { keywords.add("$schema", #""https://json-schema.org/draft/2020-12/schema""#) }
        for (keyword, _) in keywords.items { coverage.saw(keyword) }
        keywords.items.shuffle(using: &random)
        schema.text = "{" + keywords.items.map { "\(GeneratedJSON.literal($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        return schema
    }

    private mutating func objectKeywords(_ schema: GeneratedSchema, depth: Int, _ keywords: inout KeywordList) {
        if depth < 3, random.chance(0.85) {
            let names = GeneratedJSON.names.shuffled(using: &random).prefix(random.int(0...4))
            schema.properties = names.map { ($0, self.schema(depth: depth + 1)) }
            keywords.add("properties", "{" + schema.properties.map { "\(GeneratedJSON.literal($0.name)):\($0.schema.text)" }.joined(separator: ",") + "}")
        }
        if random.chance(0.6) {
            var names = schema.properties.map(\.name).filter { _ in random.chance(0.6) }
            if random.chance(0.15) { names.append(random.pick(GeneratedJSON.names.filter { !names.contains($0) })) }
            schema.required = names
            keywords.add("required", "[" + names.map(GeneratedJSON.literal).joined(separator: ",") + "]")
        }
        if random.chance(0.4) {
            let additional = random.chance(0.4) || depth >= 3
                ? { () -> GeneratedSchema in
                    let fixed = GeneratedSchema()
                    fixed.boolean = random.chance(0.3)
                    fixed.text = fixed.boolean! ? "true" : "false"
                    return fixed
                }()
                : self.schema(depth: depth + 1)
            schema.additional = additional
            keywords.add("additionalProperties", additional.text)
        }
    }

    private mutating func arrayKeywords(_ schema: GeneratedSchema, depth: Int, _ keywords: inout KeywordList) {
        if random.chance(0.7) {
            let items = self.schema(depth: depth + 1)
            schema.items = items
            keywords.add("items", items.text)
        }
        if random.chance(0.4) {
            let count = random.int(0...3)
            schema.minItems = count
            keywords.add("minItems", self.count(text: count))
        }
        if random.chance(0.4) {
            let count = (schema.minItems ?? 0) + random.int(-1...3)
            if count >= 0 {
                schema.maxItems = count
                keywords.add("maxItems", self.count(text: count))
            }
        }
    }

    private mutating func stringKeywords(_ schema: GeneratedSchema, _ keywords: inout KeywordList) {
        if random.chance(0.45) {
            let count = random.int(0...4)
            schema.minLength = count
            keywords.add("minLength", self.count(text: count))
        }
        if random.chance(0.45) {
            let count = (schema.minLength ?? 0) + random.int(-1...3)
            if count >= 0 {
                schema.maxLength = count
                keywords.add("maxLength", self.count(text: count))
            }
        }
        if random.chance(0.35) {
            keywords.add("pattern", GeneratedJSON.literal(random.pick(GeneratedSchema.patterns)))
        }
    }

    private mutating func numberKeywords(_ schema: GeneratedSchema, _ keywords: inout KeywordList) {
        if random.chance(0.5) {
            let number = random.number()
            guard case .number(let value, let text) = number else { return }
            schema.minimum = value
            keywords.add("minimum", text)
        }
        if random.chance(0.5) {
            let number = random.chance(0.5) ? random.numberText((schema.minimum ?? 0) + random.pick([0, 0.5, 1, 10, -1])) : random.number()
            guard case .number(let value, let text) = number else { return }
            schema.maximum = value
            keywords.add("maximum", text)
        }
    }

    /// A count as the meta-schema allows it: `2` or `2.0`.
    private mutating func count(text count: Int) -> String { random.chance(0.8) ? String(count) : "\(count).0" }
}
