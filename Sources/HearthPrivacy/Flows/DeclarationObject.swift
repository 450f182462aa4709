import HearthCore

/// One object of a declaration document, read member by member. Every member must be one it
/// knows: a misspelt `"consnet": true` refused is better than a consent silently not asked for.
/// Errors name the member by its JSON pointer and never quote the document.
struct DeclarationObject {
    let view: JSONView
    let index: Int
    let pointer: String

    init(_ view: JSONView, at index: Int, pointer: String, members known: Set<String>) throws(HearthError) {
        self.view = view
        self.index = index
        self.pointer = pointer
        guard view[index].kind == .object else { throw Self.refuse(pointer, "must be an object") }
        for (key, _) in view.members(of: index) {
            let name = view.string(at: key)
            guard known.contains(name) else {
                throw Self.refuse(pointer, "unknown member \"\(name.prefix(40))\" (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    static func refuse(_ pointer: String, _ problem: String) -> HearthError {
        HearthError(.invalidInput, "\(JSONPointer.display(pointer)): \(problem)")
    }

    func location(_ name: String) -> String { JSONPointer.appending(pointer, name) }

    func refuse(_ name: String, _ problem: String) -> HearthError { Self.refuse(location(name), problem) }

    func value(_ name: String) -> Int? { view.member(name, of: index) }

    func required(_ name: String) throws(HearthError) -> Int {
        guard let value = value(name) else { throw Self.refuse(pointer, "member \"\(name)\" is required") }
        return value
    }

    func string(_ name: String) throws(HearthError) -> String? {
        guard let value = value(name) else { return nil }
        guard view[value].kind == .string else { throw refuse(name, "must be a string") }
        return view.string(at: value)
    }

    func requiredString(_ name: String) throws(HearthError) -> String {
        guard let text = try string(name) else { throw Self.refuse(pointer, "member \"\(name)\" is required") }
        return text
    }

    func bool(_ name: String) throws(HearthError) -> Bool? {
        guard let value = value(name) else { return nil }
        switch view[value].kind {
        case .true: return true
        case .false: return false
        default: throw refuse(name, "must be true or false")
        }
    }

    /// The elements of an array member, as indices.
    func array(_ name: String) throws(HearthError) -> [Int]? {
        guard let value = value(name) else { return nil }
        guard view[value].kind == .array else { throw refuse(name, "must be an array") }
        return Array(view.elements(of: value))
    }

    /// An array of distinct strings, each checked by `valid`.
    func strings(_ name: String, _ valid: (String) -> Bool, _ rule: String) throws(HearthError) -> [String]? {
        guard let elements = try array(name) else { return nil }
        var strings: [String] = []
        for (offset, element) in elements.enumerated() {
            let location = JSONPointer.appending(self.location(name), offset)
            guard view[element].kind == .string else { throw Self.refuse(location, "must be a string") }
            let text = view.string(at: element)
            guard valid(text) else { throw Self.refuse(location, rule) }
            guard !strings.contains(text) else { throw Self.refuse(location, "is listed twice") }
            strings.append(text)
        }
        return strings
    }
}

extension JSONDocument {
    /// Parses `json` and reads it with `body`: how a declaration (or a schema) is read from its
    /// text. Text that is not JSON is refused as `"<notJSON>: <the syntax error>"`.
    static func reading<Output>(
        _ json: [UInt8], notJSON: @autoclosure () -> String, _ body: (JSONView) throws(HearthError) -> Output
    ) throws(HearthError) -> Output {
        let document: JSONDocument
        do { document = try JSONDocument(json) } catch {
            throw HearthError(.invalidInput, "\(notJSON()): \(error)")
        }
        return try document.withView(body)
    }
}
