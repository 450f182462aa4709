import HearthCore

/// JSON values made by the differential generator, kept as the exact text both validators read:
/// numbers and strings are chosen as text, so that `1.0`, `-0`, `1e2` and `\u00e9` reach both
/// sides as written.
indirect enum GeneratedJSON: Sendable {
    case null
    case boolean(Bool)
    /// Its value (for making neighbours) and its text.
    case number(Double, String)
    /// Its text, quotes included.
    case string(String)
    case array([GeneratedJSON])
    case object([(key: String, value: GeneratedJSON)])

    var text: String {
        switch self {
        case .null: "null"
        case .boolean(let value): value ? "true" : "false"
        case .number(_, let text): text
        case .string(let text): text
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { "\($0.key):\($0.value.text)" }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal for plain text (nothing to escape).
    static func literal(_ text: String) -> String { "\"\(text)\"" }

    // MARK: pools

    /// Strings as JSON text: ASCII, accented (precomposed and combining), CJK, astral (one code
    /// point, two UTF-16 units), escapes that stand for the same characters. No newlines: Swift
    /// `Regex` and Python `re` disagree on `$` before a final newline (see SchemaPattern).
    static let strings: [String] = [
        #""""#, #""a""#, #""ab""#, #""abc""#, #""abcd""#, #""abcde""#, #""é""#, #""éé""#, #""日本""#, #""日本語""#,
        #""😀""#, #""😀😀x""#, #""e\u0301""#, #""caf\u00e9""#, #""café""#, #""\ud83d\ude00""#, #""12""#,
        #""a1""#, #""z9""#, #""x y""#, #""on""#, #""off""#, #""standby""#, #""Standby""#, #""color""#,
        #""colour""#, #""xx""#, #""xxx""#, #""xxxx""#, #""abab""#, #""cdab""#, #""AbC""#, #""tab\there""#,
        #""q\"uote""#, #""back\\slash""#, #""\u0061b""#, #""a0b1""#, #""9""#, #""aab""#, #""b""#,
    ]

    /// Member names, and the same names with an escape (`\u0074emp` is `temp`).
    static let names = ["a", "b", "temp", "é", "x y", "a/b", "t~1", "watts"]

    static func nameLiteral(_ name: String, escaped: Bool) -> String {
        guard escaped, let first = name.unicodeScalars.first, first.isASCII else { return literal(name) }
        let hex = String(first.value, radix: 16)
        return "\"\\u" + String(repeating: "0", count: 4 - hex.count) + hex + name.unicodeScalars.dropFirst().map(String.init).joined() + "\""
    }
}

extension SplitMix64 {
    /// A number within ±1e15 (where doubles and Python's ints compare alike), written one of the
    /// ways JSON allows for its value.
    mutating func number() -> GeneratedJSON {
        switch int(0...5) {
        case 0: return numberText(Double(pick([0, 1, -1, 2, 3, 5, 10, 100, 1000])))
        case 1: return numberText(Double(int(-1000...1000)) / pick([1, 2, 4, 10, 100]))
        case 2: return .number(-0.0, pick(["-0", "-0.0", "0.0", "0", "-0e0"]))
        case 3: return numberText(Double(int(-999_999_999...999_999_999)) * pick([1, 1_000_000]))
        case 4: return numberText(pick([0.5, 1.5, 2.5, 0.1, 0.25, 1e-3, 123.456, -7.75]))
        default: return numberText(Double(int(-20...20)))
        }
    }

    /// `value` in a text chosen at random among its spellings: `3`, `3.0`, `3e0`, `30e-1`, `0.3e1`.
    mutating func numberText(_ value: Double) -> GeneratedJSON {
        var text = value.description  // shortest round-trip, e.g. 21.5, 1e-07
        if value == value.rounded(), value.magnitude < 1e15 {
            let integer = Int64(value)
            switch int(0...4) {
            case 0, 1: text = value == 0 && value.sign == .minus ? "-0" : String(integer)
            case 2: text = String(integer) + ".0"
            case 3: text = "\(integer * 10)e-1"
            default: text = String(integer) + "e0"
            }
        }
        return .number(value, text)
    }

    mutating func string() -> GeneratedJSON { .string(pick(GeneratedJSON.strings)) }

    /// Any value, nested at most `depth` more levels.
    mutating func value(depth: Int) -> GeneratedJSON {
        switch int(0...(depth > 0 ? 7 : 5)) {
        case 0: return .null
        case 1: return .boolean(chance(0.5))
        case 2, 3: return number()
        case 4, 5: return string()
        case 6: return .array((0..<int(0...3)).map { _ in value(depth: depth - 1) })
        default:
            var keys = GeneratedJSON.names.shuffled(using: &self)[0..<int(0...3)]
            keys.sort()
            return .object(keys.map { (GeneratedJSON.literal($0), value(depth: depth - 1)) })
        }
    }

    /// The same JSON value written differently (numbers respelled, members reordered), or — with
    /// `mutate` — one small change that JSON Schema's equality must notice (`true` for `1`, a
    /// member more).
    mutating func variant(of value: GeneratedJSON, mutate: Bool) -> GeneratedJSON {
        switch value {
        case .null: return mutate ? pick([.boolean(false), .number(0, "0")]) : .null
        case .boolean(let flag):
            return mutate ? pick([.boolean(!flag), .number(flag ? 1 : 0, flag ? "1" : "0")]) : value
        case .number(let number, _):
            if mutate {
                return chance(0.3) ? .boolean(number != 0) : numberText(number + pick([1, 0.5, -1]))
            }
            return numberText(number)
        case .string(let text):
            return mutate ? .string(text == #""zz""# || chance(0.5) ? pick(GeneratedJSON.strings) : #""zz""#) : value
        case .array(var elements):
            if mutate {
                if elements.isEmpty || chance(0.3) { elements.append(self.value(depth: 0)) } else {
                    let index = int(0...elements.count - 1)
                    elements[index] = variant(of: elements[index], mutate: true)
                }
                return .array(elements)
            }
            return .array(elements.map { variant(of: $0, mutate: false) })
        case .object(var members):
            if mutate {
                if members.isEmpty || chance(0.3) {
                    let key = GeneratedJSON.literal("extra")
                    members.append((key, self.value(depth: 0)))
                } else {
                    let index = int(0...members.count - 1)
                    if chance(0.5) { members.remove(at: index) } else {
                        members[index].value = variant(of: members[index].value, mutate: true)
                    }
                }
                return .object(members)
            }
            return .object(members.map { ($0.key, variant(of: $0.value, mutate: false)) }.shuffled(using: &self))
        }
    }
}
