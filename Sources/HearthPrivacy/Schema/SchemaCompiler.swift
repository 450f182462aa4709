import HearthCore

/// Turns a schema's JSON into a `SchemaProgram`, refusing anything it would not fully check.
///
/// The supported subset is closed: an unknown keyword is refused rather than ignored, because a
/// schema that silently skips `format` or `oneOf` would let through what its author meant to keep
/// out. Keyword values are checked as the draft 2020-12 meta-schema does.
struct SchemaCompiler {
    static let draft202012 = "https://json-schema.org/draft/2020-12/schema"

    let view: JSONView
    var nodes: [SchemaNode] = []
    var properties: [SchemaProperty] = []
    var names: [UInt8] = []
    var requiredNames: [SchemaProperty] = []
    var slots: [Int32] = []
    var patterns: [SchemaPattern] = []
    var constants: [JSONConstant] = []

    init(view: JSONView) { self.view = view }

    static func compile(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) -> SchemaProgram {
        var compiler = SchemaCompiler(view: view)
        _ = try compiler.schema(at: index, pointer: pointer)
        return SchemaProgram(
            nodes: compiler.nodes, properties: compiler.properties, names: compiler.names,
            requiredNames: compiler.requiredNames, slots: compiler.slots, patterns: compiler.patterns, constants: compiler.constants)
    }

    func refuse(_ pointer: String, _ problem: String) -> HearthError {
        HearthError(.invalidInput, "schema: \(problem) at \(JSONPointer.display(pointer))")
    }

    /// Compiles the (sub)schema at `index` into a node and returns the node's index.
    mutating func schema(at index: Int, pointer: String) throws(HearthError) -> Int32 {
        let node = Int32(nodes.count)
        nodes.append(SchemaNode())
        switch view[index].kind {
        case .true: return node
        case .false:
            nodes[Int(node)].rejectsEverything = true
            return node
        case .object: break
        default: throw refuse(pointer, "a schema must be an object or a boolean")
        }
        var compiled = SchemaNode()
        var required: [[UInt8]] = []
        for (key, value) in view.members(of: index) {
            let keyword = view.string(at: key)
            let location = JSONPointer.appending(pointer, keyword)
            switch keyword {
            case "type": compiled.types = try types(at: value, location)
            case "properties":
                guard view[value].kind == .object else { throw refuse(location, "\"properties\" must be an object") }
                var declared: [(name: [UInt8], node: Int32)] = []
                for (name, subschema) in view.members(of: value) {
                    let child = try schema(at: subschema, pointer: JSONPointer.appending(location, view.string(at: name)))
                    declared.append((view.stringBytes(at: name), child))
                }
                compiled.firstProperty = Int32(properties.count)
                compiled.propertyCount = Int32(declared.count)
                for (name, child) in declared { properties.append(intern(name, node: child)) }
                table(for: &compiled)
            case "required": required = try requiredNames(at: value, location)
            case "additionalProperties":
                compiled.additionalProperties = try schema(at: value, pointer: location)
            case "items": compiled.items = try schema(at: value, pointer: location)
            case "enum":
                guard view[value].kind == .array else { throw refuse(location, "\"enum\" must be an array") }
                compiled.firstEnumValue = Int32(constants.count)
                for element in view.elements(of: value) { constants.append(JSONConstant(view, at: element)) }
                compiled.enumCount = Int32(constants.count) - compiled.firstEnumValue
            case "const":
                compiled.constant = Int32(constants.count)
                constants.append(JSONConstant(view, at: value))
            case "minimum": compiled.minimum = try number(at: value, keyword, location)
            case "maximum": compiled.maximum = try number(at: value, keyword, location)
            case "minLength": compiled.minLength = try count(at: value, keyword, location)
            case "maxLength": compiled.maxLength = try count(at: value, keyword, location)
            case "minItems": compiled.minItems = try count(at: value, keyword, location)
            case "maxItems": compiled.maxItems = try count(at: value, keyword, location)
            case "pattern":
                guard view[value].kind == .string else { throw refuse(location, "\"pattern\" must be a string") }
                guard let pattern = SchemaPattern(view.string(at: value)) else {
                    throw refuse(location, "\"pattern\" is not a regular expression this hub can run")
                }
                compiled.pattern = Int32(patterns.count)
                patterns.append(pattern)
            case "title", "description", "$comment":
                guard view[value].kind == .string else { throw refuse(location, "\"\(keyword)\" must be a string") }
            case "$schema":
                guard view[value].kind == .string, view.string(at: value, equals: Self.draft202012) else {
                    throw refuse(location, "\"$schema\" must be \"\(Self.draft202012)\"")
                }
            default:
                throw refuse(location, "unsupported keyword \"\(keyword)\"")
            }
        }
        resolve(required, into: &compiled)
        nodes[Int(node)] = compiled
        return node
    }

    /// At least twice as many slots as properties, so that a lookup usually probes one.
    private mutating func table(for node: inout SchemaNode) {
        var size = 4
        while size < 2 * Int(node.propertyCount) { size *= 2 }
        node.firstSlot = Int32(slots.count)
        node.tableMask = Int32(size - 1)
        var table = [Int32](repeating: 0, count: size)
        for offset in 0..<Int(node.propertyCount) {
            var slot = Int(properties[Int(node.firstProperty) + offset].fingerprint) & (size - 1)
            while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
            table[slot] = Int32(offset + 1)
        }
        slots += table
    }

    private mutating func intern(_ name: [UInt8], node: Int32) -> SchemaProperty {
        let reference = SchemaProperty(
            nameStart: Int32(names.count), nameCount: Int32(name.count), node: node,
            fingerprint: name.withUnsafeBufferPointer { JSONStrings.fingerprint($0) })
        names.append(contentsOf: name)
        return reference
    }

    /// Required names that are declared properties become bits checked as members are matched;
    /// the others are looked for by name.
    private mutating func resolve(_ required: [[UInt8]], into node: inout SchemaNode) {
        node.firstRequiredName = Int32(requiredNames.count)
        for name in required {
            let declared = (0..<Int(min(node.propertyCount, 64))).first { offset in
                let property = properties[Int(node.firstProperty) + offset]
                return names[Int(property.nameStart)..<Int(property.nameStart + property.nameCount)].elementsEqual(name)
            }
            if let declared {
                node.requiredMask |= 1 << UInt64(declared)
            } else {
                requiredNames.append(intern(name, node: -1))
            }
        }
        node.requiredNameCount = Int32(requiredNames.count) - node.firstRequiredName
    }

    private func types(at index: Int, _ location: String) throws(HearthError) -> UInt8 {
        func bit(_ element: Int) throws(HearthError) -> UInt8 {
            guard view[element].kind == .string,
                let known = SchemaType.names.first(where: { view.string(at: element, equals: $0.name) })
            else {
                throw refuse(location, "\"type\" names must be null, boolean, object, array, number, integer or string")
            }
            return known.bit
        }
        if view[index].kind == .string { return try bit(index) }
        guard view[index].kind == .array else { throw refuse(location, "\"type\" must be a string or an array") }
        var bits: UInt8 = 0
        var any = false
        for element in view.elements(of: index) {
            let next = try bit(element)
            guard bits & next == 0 else { throw refuse(location, "\"type\" names a type twice") }
            bits |= next
            any = true
        }
        guard any else { throw refuse(location, "\"type\" must not be an empty array") }
        return bits
    }

    private func requiredNames(at index: Int, _ location: String) throws(HearthError) -> [[UInt8]] {
        guard view[index].kind == .array else { throw refuse(location, "\"required\" must be an array of strings") }
        var names: [[UInt8]] = []
        for element in view.elements(of: index) {
            guard view[element].kind == .string else { throw refuse(location, "\"required\" must be an array of strings") }
            let name = view.stringBytes(at: element)
            guard !names.contains(name) else { throw refuse(location, "\"required\" names a member twice") }
            names.append(name)
        }
        return names
    }

    private func number(at index: Int, _ keyword: String, _ location: String) throws(HearthError) -> Double {
        guard view[index].kind == .number else { throw refuse(location, "\"\(keyword)\" must be a number") }
        return view.double(at: index)
    }

    /// A non-negative integer (`2.0` included, as the meta-schema's `integer` does).
    private func count(at index: Int, _ keyword: String, _ location: String) throws(HearthError) -> Int {
        guard view[index].kind == .number, view.isInteger(at: index) else {
            throw refuse(location, "\"\(keyword)\" must be a non-negative integer")
        }
        let value = view.double(at: index)
        guard value >= 0 else { throw refuse(location, "\"\(keyword)\" must be a non-negative integer") }
        return value >= 9.0e18 ? Int.max : Int(value)
    }
}
