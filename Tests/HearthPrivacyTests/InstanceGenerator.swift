extension SchemaGenerator {
    /// A payload for `schema`, near its edges: valid or invalid about as often.
    mutating func instance(for schema: GeneratedSchema?, depth: Int = 0) -> GeneratedJSON {
        guard let schema, schema.boolean == nil, depth < 4 else { return random.value(depth: max(0, 2 - depth)) }
        if let constant = schema.constant, random.chance(0.5) {
            return random.variant(of: constant, mutate: random.chance(0.4))
        }
        if !schema.enumValues.isEmpty, random.chance(0.5) {
            return random.variant(of: random.pick(schema.enumValues), mutate: random.chance(0.3))
        }
        var focus = schema.focus
        if focus == .any || random.chance(0.12) { focus = random.pick(GeneratedSchema.Focus.allCases) }
        switch focus {
        case .object: return object(for: schema, depth: depth)
        case .array:
            let low = max(0, (schema.minItems ?? 0) - 1)
            let high = min(5, max(low, (schema.maxItems ?? low + 3) + 1))
            return .array((0..<random.int(low...high)).map { _ in instance(for: schema.items, depth: depth + 1) })
        case .string: return string(for: schema)
        case .number, .integer: return number(for: schema, integral: focus == .integer)
        case .boolean: return .boolean(random.chance(0.5))
        case .null: return .null
        case .any: return random.value(depth: 1)
        }
    }

    private mutating func object(for schema: GeneratedSchema, depth: Int) -> GeneratedJSON {
        var members: [(key: String, value: GeneratedJSON)] = []
        var used: Set<String> = []
        for (name, property) in schema.properties where random.chance(schema.required.contains(name) ? 0.92 : 0.7) {
            members.append((GeneratedJSON.nameLiteral(name, escaped: random.chance(0.15)), instance(for: property, depth: depth + 1)))
            used.insert(name)
        }
        for name in schema.required where !used.contains(name) && random.chance(0.8) {
            members.append((GeneratedJSON.literal(name), random.value(depth: 1)))
            used.insert(name)
        }
        if random.chance(0.35) {
            for name in GeneratedJSON.names.shuffled(using: &random).prefix(random.int(1...2)) where !used.contains(name) {
                members.append((GeneratedJSON.literal(name), instance(for: schema.additional, depth: depth + 1)))
                used.insert(name)
            }
        }
        return .object(members.shuffled(using: &random))
    }

    private mutating func string(for schema: GeneratedSchema) -> GeneratedJSON {
        guard schema.minLength != nil || schema.maxLength != nil, random.chance(0.6) else { return random.string() }
        // Lengths at the bounds, in characters of one to four UTF-8 bytes (and two UTF-16 units).
        let low = max(0, (schema.minLength ?? 0) - 1)
        let high = max(low, (schema.maxLength ?? low + 2) + 1)
        let characters = (0..<random.int(low...high)).map { _ in random.pick(["a", "é", "日", "😀", "\\u00e9", "\\ud83d\\ude00"]) }
        return .string("\"" + characters.joined() + "\"")
    }

    private mutating func number(for schema: GeneratedSchema, integral: Bool) -> GeneratedJSON {
        var candidates: [Double] = []
        for bound in [schema.minimum, schema.maximum].compactMap({ $0 }) {
            candidates += [bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5, bound.rounded(.down), bound.rounded(.up)]
        }
        guard !candidates.isEmpty, random.chance(0.75) else {
            if integral, random.chance(0.6) { return random.numberText(Double(random.int(-20...20))) }
            return random.number()
        }
        var value = random.pick(candidates)
        if integral, random.chance(0.7) { value = value.rounded() }
        return random.numberText(value)
    }
}
