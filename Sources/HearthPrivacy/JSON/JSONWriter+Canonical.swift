extension JSONWriter {
    /// A value in canonical form: compact, each object's members sorted by their names' UTF-8
    /// bytes, strings escaped only where RFC 8259 requires, integers as written, other numbers in
    /// shortest round-trip form. Writing the canonical form of a canonical text gives the same
    /// bytes, which is what lets a stored declaration be compared with a new one.
    ///
    /// Close to RFC 8785 (JSON Canonicalization Scheme) but not it: JCS sorts by UTF-16 code
    /// units and writes numbers as ECMAScript does. Nothing outside the hub needs to reproduce it.
    public mutating func canonical(_ view: JSONView, at index: Int) {
        let token = view[index]
        switch token.kind {
        case .null: raw("null")
        case .true: raw("true")
        case .false: raw("false")
        case .string: string(view.stringBytes(at: index))
        case .number:
            // Integers too large for a double's exact range are canonical as doubles.
            let value = view.double(at: index)
            if token.hasIntegerSyntax, value.magnitude <= 9_007_199_254_740_992 {
                raw(view.text(of: index))
            } else {
                number(value)
            }
        case .array:
            byte(UInt8(ascii: "["))
            var first = true
            for element in view.elements(of: index) {
                if !first { byte(UInt8(ascii: ",")) }
                first = false
                canonical(view, at: element)
            }
            byte(UInt8(ascii: "]"))
        case .object:
            let members = view.members(of: index).map { (name: view.stringBytes(at: $0.key), value: $0.value) }
                .sorted { $0.name.lexicographicallyPrecedes($1.name) }
            byte(UInt8(ascii: "{"))
            for (offset, member) in members.enumerated() {
                if offset > 0 { byte(UInt8(ascii: ",")) }
                string(member.name)
                byte(UInt8(ascii: ":"))
                canonical(view, at: member.value)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
