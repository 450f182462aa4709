/// A value of a schema's `const` or `enum`, compared with payload values as JSON Schema does
/// (and Python's `jsonschema`): numbers by value (`1` equals `1.0`, `-0` equals `0`), booleans
/// never equal to numbers, strings by code points, arrays in order, objects in any order.
indirect enum JSONConstant: Sendable {
    case null
    case boolean(Bool)
    case number(Double)
    case string([UInt8])
    case array([JSONConstant])
    /// In the order written.
    case object([Member])

    struct Member: Sendable {
        let name: [UInt8]
        let value: JSONConstant
    }

    init(_ view: JSONView, at index: Int) {
        switch view[index].kind {
        case .null: self = .null
        case .true: self = .boolean(true)
        case .false: self = .boolean(false)
        case .number: self = .number(view.double(at: index))
        case .string: self = .string(view.stringBytes(at: index))
        case .array: self = .array(view.elements(of: index).map { JSONConstant(view, at: $0) })
        case .object:
            self = .object(view.members(of: index).map { key, value in
                Member(name: view.stringBytes(at: key), value: JSONConstant(view, at: value))
            })
        }
    }

    /// Whether the payload value at `index` equals this constant.
    func matches(_ view: JSONView, at index: Int) -> Bool {
        let token = view[index]
        switch (self, token.kind) {
        case (.null, .null), (.boolean(true), .true), (.boolean(false), .false): return true
        case (.number(let value), .number): return view.double(at: index) == value
        case (.string(let value), .string): return view.string(at: index, equals: value)
        case (.array(let elements), .array):
            var remaining = elements[...]
            for element in view.elements(of: index) {
                guard let first = remaining.popFirst(), first.matches(view, at: element) else { return false }
            }
            return remaining.isEmpty
        case (.object(let members), .object):
            // Member names are unique on both sides (the parser refuses duplicates), so equal
            // counts and every payload member found equal is a one-to-one match.
            var count = 0
            for (key, value) in view.members(of: index) {
                count += 1
                guard let member = members.first(where: { view.string(at: key, equals: $0.name) }),
                    member.value.matches(view, at: value)
                else { return false }
            }
            return count == members.count
        default:
            return false
        }
    }
}
