/// One compiled (sub)schema: plain values only, so that the validator reads it without reference
/// counting. Lists live in `SchemaProgram`'s pools; `-1` means the keyword is absent.
struct SchemaNode: Sendable {
    /// The `false` schema: nothing is valid.
    var rejectsEverything = false
    /// `SchemaType` bits; 0 when `type` is absent.
    var types: UInt8 = 0

    // object
    var firstProperty: Int32 = 0
    var propertyCount: Int32 = 0
    /// An open-addressing table of the properties by fingerprint, in the program's `slots` pool:
    /// `tableMask + 1` slots from `firstSlot`, each a property offset + 1, or 0 when empty.
    var firstSlot: Int32 = 0
    var tableMask: Int32 = 0
    /// Required properties among the first 64 declared ones, by declaration position.
    var requiredMask: UInt64 = 0
    /// Required names beyond those (not declared in `properties`, or declared past the 64th).
    var firstRequiredName: Int32 = 0
    var requiredNameCount: Int32 = 0
    var additionalProperties: Int32 = -1

    // array
    var items: Int32 = -1
    var minItems = 0
    var maxItems = Int.max

    // number
    var minimum = -Double.infinity
    var maximum = Double.infinity

    // string
    var minLength = 0
    var maxLength = Int.max
    var pattern: Int32 = -1

    // any
    var constant: Int32 = -1
    var firstEnumValue: Int32 = -1
    var enumCount: Int32 = 0

    var hasNumberBounds: Bool { minimum != -.infinity || maximum != .infinity }
    var hasLengthBounds: Bool { minLength != 0 || maxLength != .max }
}

/// The names `type` accepts, as bits.
enum SchemaType {
    static let null: UInt8 = 1
    static let boolean: UInt8 = 2
    static let object: UInt8 = 4
    static let array: UInt8 = 8
    static let number: UInt8 = 16
    static let integer: UInt8 = 32
    static let string: UInt8 = 64

    static let names: [(name: String, bit: UInt8)] = [
        ("null", null), ("boolean", boolean), ("object", object), ("array", array), ("number", number),
        ("integer", integer), ("string", string),
    ]

    static func describe(_ bits: UInt8) -> String {
        names.filter { bits & $0.bit != 0 }.map(\.name).joined(separator: " or ")
    }
}

/// A name in `properties` and its schema; its UTF-8 lives in the program's name pool.
struct SchemaProperty: Sendable {
    var nameStart: Int32
    var nameCount: Int32
    var node: Int32
    /// `JSONStrings.fingerprint` of the name, compared with member names' before their bytes.
    var fingerprint: UInt16
}
