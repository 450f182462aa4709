/// Checks one payload against a compiled schema, walking the payload's tokens once.
///
/// Each check answers true or false; only a failing one says why, into `failure`, and its
/// location is put together on the way back out of the walk. A payload that passes allocates
/// nothing.
struct SchemaValidator {
    let program: SchemaProgram
    let view: JSONView
    /// Set by the check that failed.
    var failure: Failure?

    init(program: SchemaProgram, view: JSONView) {
        self.program = program
        self.view = view
    }

    /// A failure on its way out: the pointer's reference tokens, innermost first.
    struct Failure {
        var keyword: String
        var message: String
        var location: [String] = []

        var violation: SchemaViolation {
            SchemaViolation(pointer: location.reversed().map { "/\($0)" }.joined(), keyword: keyword, message: message)
        }
    }

    /// The payload's first way of breaking the schema, or nil.
    mutating func violation() -> SchemaViolation? {
        validate(0, at: 0) ? nil : failure?.violation
    }

    private mutating func fail(_ keyword: String, _ message: String) -> Bool {
        failure = Failure(keyword: keyword, message: message)
        return false
    }

    mutating func validate(_ nodeIndex: Int32, at index: Int) -> Bool {
        // Read in place: a node is over a hundred bytes, and most checks read two of its fields.
        let node = UnsafePointer(program.nodes.baseAddress! + Int(nodeIndex))
        if node.pointee.rejectsEverything { return fail("false", "no value allowed here") }
        let kind = view[index].kind
        let types = node.pointee.types
        if types != 0, !hasType(types, kind, at: index) {
            return fail("type", "not of type \(SchemaType.describe(types))")
        }
        if node.pointee.constant >= 0 || node.pointee.firstEnumValue >= 0, !constants(node, at: index) { return false }
        switch kind {
        case .number: return !node.pointee.hasNumberBounds || bounds(node, at: index)
        case .string: return !(node.pointee.hasLengthBounds || node.pointee.pattern >= 0) || string(node, at: index)
        case .array: return array(node, at: index)
        case .object: return object(node, at: index)
        default: return true
        }
    }

    @inline(__always) private func hasType(_ types: UInt8, _ kind: JSONToken.Kind, at index: Int) -> Bool {
        switch kind {
        case .null: types & SchemaType.null != 0
        case .true, .false: types & SchemaType.boolean != 0
        case .object: types & SchemaType.object != 0
        case .array: types & SchemaType.array != 0
        case .string: types & SchemaType.string != 0
        case .number:
            types & SchemaType.number != 0 || (types & SchemaType.integer != 0 && view.isInteger(at: index))
        }
    }

    private mutating func constants(_ node: UnsafePointer<SchemaNode>, at index: Int) -> Bool {
        if node.pointee.constant >= 0, !program.constants[Int(node.pointee.constant)].matches(view, at: index) {
            return fail("const", "not the constant value")
        }
        if node.pointee.firstEnumValue >= 0 {
            let first = Int(node.pointee.firstEnumValue)
            for value in first..<first + Int(node.pointee.enumCount) where program.constants[value].matches(view, at: index) {
                return true
            }
            return fail("enum", "not one of the allowed values")
        }
        return true
    }

    @inline(__always) private mutating func bounds(_ node: UnsafePointer<SchemaNode>, at index: Int) -> Bool {
        // A number written without a minus sign is at least 0: counters and timestamps, bounded
        // only below by 0 or less, pass without being converted.
        if node.pointee.maximum == .infinity, node.pointee.minimum <= 0, view.base[Int(view[index].start)] != UInt8(ascii: "-") {
            return true
        }
        let value = view.double(at: index)
        if value < node.pointee.minimum { return fail("minimum", "below minimum \(Self.format(node.pointee.minimum))") }
        if value > node.pointee.maximum { return fail("maximum", "maximum \(Self.format(node.pointee.maximum)) exceeded") }
        return true
    }

    @inline(__always) private mutating func string(_ node: UnsafePointer<SchemaNode>, at index: Int) -> Bool {
        let (minimum, maximum) = (node.pointee.minLength, node.pointee.maxLength)
        // A string has at most as many code points as bytes, and at least a quarter as many: most
        // bounds are decided without counting.
        let bytes = Int(view[index].end - view[index].start) - 2
        if node.pointee.hasLengthBounds, bytes > maximum || (bytes + 3) / 4 < minimum || view[index].flags != 0 {
            let length = view.codePointCount(at: index)
            if length < minimum { return fail("minLength", "shorter than minLength \(minimum)") }
            if length > maximum { return fail("maxLength", "longer than maxLength \(maximum)") }
        }
        if node.pointee.pattern >= 0, !Self.matches(program, node.pointee.pattern, view.string(at: index)) {
            return fail("pattern", "does not match the pattern")
        }
        return true
    }

    private mutating func array(_ node: UnsafePointer<SchemaNode>, at index: Int) -> Bool {
        let items = node.pointee.items
        var count = 0
        for element in view.elements(of: index) {
            if items >= 0, !validate(items, at: element) {
                failure?.location.append(String(count))
                return false
            }
            count += 1
        }
        if count < node.pointee.minItems { return fail("minItems", "fewer items than minItems \(node.pointee.minItems)") }
        if count > node.pointee.maxItems { return fail("maxItems", "more items than maxItems \(node.pointee.maxItems)") }
        return true
    }

    private mutating func object(_ node: UnsafePointer<SchemaNode>, at index: Int) -> Bool {
        let first = Int(node.pointee.firstProperty)
        let additional = node.pointee.additionalProperties
        var seen: UInt64 = 0
        for (key, value) in view.members(of: index) {
            let match = node.pointee.propertyCount > 0 ? program.property(of: node, named: key, in: view) : -1
            if match >= 0 {
                if match < 64 { seen |= 1 << UInt64(match) }
                let property = program.properties[first + match]
                if !validate(property.node, at: value) {
                    failure?.location.append(JSONPointer.token(program.nameString(property)))
                    return false
                }
            } else if additional >= 0, !validate(additional, at: value) {
                // The member's name is the device's data: report at the object.
                if failure?.keyword == "false" {
                    failure = Failure(keyword: "additionalProperties", message: "undeclared member not allowed")
                } else if let inner = failure {
                    failure = Failure(keyword: inner.keyword, message: "undeclared member: \(inner.message)")
                }
                return false
            }
        }
        let missing = node.pointee.requiredMask & ~seen
        if missing != 0 {
            let property = program.properties[first + missing.trailingZeroBitCount]
            return fail("required", "required member \"\(program.nameString(property))\" missing")
        }
        for offset in 0..<Int(node.pointee.requiredNameCount) {
            let name = program.requiredNames[Int(node.pointee.firstRequiredName) + offset]
            if !view.members(of: index).contains(where: { view.string(at: $0.key, equals: program.name(name)) }) {
                return fail("required", "required member \"\(program.nameString(name))\" missing")
            }
        }
        return true
    }

    /// Kept out of line: regular expressions are of a resilient type, whose handling would slow
    /// every call of the function holding it.
    @inline(never) static func matches(_ program: SchemaProgram, _ pattern: Int32, _ text: String) -> Bool {
        program.patterns[Int(pattern)].isFound(in: text)
    }

    /// A schema's number as people write it: `60`, not `60.0`.
    static func format(_ value: Double) -> String {
        var writer = JSONWriter(capacity: 24)
        writer.number(value, integral: true)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension SchemaProgram {
    /// The first way the payload (its first token's value) breaks the schema, or nil: what
    /// `FlowSchema.validate` and `FlowPipeline.process` both run.
    @inline(__always) func violation(in payload: JSONView) -> SchemaViolation? {
        var validator = SchemaValidator(program: self, view: payload)
        return validator.violation()
    }
}
