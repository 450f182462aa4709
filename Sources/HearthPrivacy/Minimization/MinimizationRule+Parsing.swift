import HearthCore

extension MinimizationRule {
    /// Paths have at most this many members, each 1…64 bytes; rules list at most this many paths.
    static let pathLimit = 16

    /// A rule object of a `minimize` list: exactly one member naming the rule.
    static func parse(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) -> MinimizationRule {
        let kinds: Set<String> = ["keep", "drop", "round", "coarsen", "redact", "aggregate"]
        let rule = try DeclarationObject(view, at: index, pointer: pointer, members: kinds)
        let members = Array(view.members(of: index))
        guard members.count == 1 else {
            throw DeclarationObject.refuse(pointer, "a rule is an object with exactly one member: keep, drop, round, coarsen, redact or aggregate")
        }
        let kind = view.string(at: members[0].key)
        let value = members[0].value
        let location = rule.location(kind)
        switch kind {
        case "keep", "drop":
            guard view[value].kind == .array else { throw DeclarationObject.refuse(location, "must be an array of paths") }
            let paths = try Self.paths(view, Array(view.elements(of: value)), location)
            guard !paths.isEmpty else { throw DeclarationObject.refuse(location, "must list at least one path") }
            return kind == "keep" ? .keep(paths) : .drop(paths)
        case "round":
            let body = try DeclarationObject(view, at: value, pointer: location, members: ["path", "to"])
            let path = try Self.path(view, try body.required("path"), body.location("path"))
            let step = try body.required("to")
            guard view[step].kind == .number, let decimal = DecimalStep(view.double(at: step)) else {
                throw body.refuse("to", "must be a number greater than 0 (at most 15 decimal places)")
            }
            return .round(path: path, to: decimal.value)
        case "coarsen":
            let body = try DeclarationObject(view, at: value, pointer: location, members: ["path", "period"])
            let path = try Self.path(view, try body.required("path"), body.location("path"))
            let period = try Self.period(try body.requiredString("period"), body.location("period"))
            return .coarsen(path: path, period: .seconds(period))
        case "redact":
            return try Self.redaction(view, at: value, pointer: location)
        default:
            return try Self.aggregate(view, at: value, pointer: location)
        }
    }

    private static func redaction(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) -> MinimizationRule {
        let body = try DeclarationObject(view, at: index, pointer: pointer, members: ["paths", "patterns", "builtin"])
        let paths = try Self.paths(view, try body.array("paths") ?? [], body.location("paths"))
        let patterns = try body.strings("patterns", { SchemaPattern($0) != nil }, "is not a regular expression this hub can run") ?? []
        let builtin = try body.strings(
            "builtin", { RedactionDetector(rawValue: $0) != nil },
            "must be one of \(RedactionDetector.allCases.map(\.rawValue).joined(separator: ", "))") ?? []
        guard !(paths.isEmpty && patterns.isEmpty && builtin.isEmpty) else {
            throw DeclarationObject.refuse(pointer, "must list at least one path, pattern or built-in detector")
        }
        return .redact(paths: paths, patterns: patterns, builtin: builtin.compactMap(RedactionDetector.init(rawValue:)))
    }

    private static func aggregate(_ view: JSONView, at index: Int, pointer: String) throws(HearthError) -> MinimizationRule {
        let body = try DeclarationObject(view, at: index, pointer: pointer, members: ["window", "fields"])
        let window = try Self.period(try body.requiredString("window"), body.location("window"))
        let fieldsIndex = try body.required("fields")
        guard view[fieldsIndex].kind == .object, view[fieldsIndex].next > fieldsIndex + 1 else {
            throw body.refuse("fields", "must be an object naming at least one field")
        }
        var fields: [AggregateField] = []
        for (key, value) in view.members(of: fieldsIndex) {
            let location = JSONPointer.appending(body.location("fields"), view.string(at: key))
            let path = try Self.path(view, key, location)
            guard !["window_start", "window_end", "samples"].contains(path) else {
                throw DeclarationObject.refuse(location, "is a name the aggregate itself writes")
            }
            guard view[value].kind == .string, let function = AggregateFunction(rawValue: view.string(at: value)) else {
                throw DeclarationObject.refuse(location, "must be one of \(AggregateFunction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            fields.append(AggregateField(path: path, function: function))
        }
        return .aggregate(window: .seconds(window), fields: fields)
    }

    static func paths(_ view: JSONView, _ elements: [Int], _ pointer: String) throws(HearthError) -> [String] {
        guard elements.count <= 64 else { throw DeclarationObject.refuse(pointer, "lists more than 64 paths") }
        var paths: [String] = []
        for (offset, element) in elements.enumerated() {
            let path = try Self.path(view, element, JSONPointer.appending(pointer, offset))
            guard !paths.contains(path) else { throw DeclarationObject.refuse(JSONPointer.appending(pointer, offset), "is listed twice") }
            paths.append(path)
        }
        return paths
    }

    static func path(_ view: JSONView, _ index: Int, _ pointer: String) throws(HearthError) -> String {
        guard view[index].kind == .string else { throw DeclarationObject.refuse(pointer, "must be a path string") }
        let path = view.string(at: index)
        let segments = path.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard !path.isEmpty, segments.count <= pathLimit, segments.allSatisfy({ !$0.isEmpty && $0.count <= 64 }) else {
            throw DeclarationObject.refuse(pointer, "must be a dotted path of up to \(pathLimit) member names, none empty")
        }
        return path
    }

    /// A period of `coarsen` or `aggregate`: 1 s to 3650 days.
    static func period(_ text: String, _ pointer: String) throws(HearthError) -> Int64 {
        guard let seconds = DurationText.seconds(text), seconds <= 3650 * 86400 else {
            throw DeclarationObject.refuse(pointer, "must be a duration such as 30s, 15m, 1h or 1d (at most 3650d)")
        }
        return seconds
    }
}
