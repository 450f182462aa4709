import HearthCore
import HearthPrivacy
import Testing

/// The strict parser: what it refuses, and what it reads from what it accepts.
@Suite struct JSONParserTests {
    static func parse(_ bytes: [UInt8]) -> Result<[JSONToken], JSONSyntaxError> {
        bytes.withUnsafeBytes { buffer in Result { () throws(JSONSyntaxError) in try JSONParser.parse(buffer) } }
    }

    static func problem(_ text: String) -> JSONSyntaxError.Problem? {
        problem(Array(text.utf8))
    }

    static func problem(_ bytes: [UInt8]) -> JSONSyntaxError.Problem? {
        if case .failure(let error) = parse(bytes) { return error.problem }
        return nil
    }

    @Test(arguments: [
        ("", JSONSyntaxError.Problem.empty), (" ", .unexpectedEnd), ("{", .unexpectedEnd), ("[1,]", .trailingComma),
        (#"{"a":1,}"#, .trailingComma), ("01", .leadingZero), ("-01", .leadingZero), ("-", .unexpectedEnd),
        ("1.", .invalidNumber), (".5", .unexpectedByte), ("1e", .invalidNumber), ("1e+", .invalidNumber), ("+1", .unexpectedByte),
        ("NaN", .unexpectedByte), ("Infinity", .unexpectedByte), ("-Infinity", .invalidNumber), ("[1 2]", .unexpectedByte),
        (#"{"a" 1}"#, .unexpectedByte), ("{a:1}", .unexpectedByte), ("'a'", .unexpectedByte), (#""\x""#, .invalidEscape),
        (#""\u12G4""#, .invalidEscape), ("\"\t\"", .controlCharacter), ("\"a\nb\"", .controlCharacter),
        (#""\ud800""#, .loneSurrogate), (#""\udc00""#, .loneSurrogate), (#""\ud800\u0041""#, .loneSurrogate),
        ("1e400", .numberOutOfRange), ("-1e400", .numberOutOfRange), ("tru", .unexpectedEnd), ("nul", .unexpectedEnd),
        ("nulL", .unexpectedByte), ("[1]x", .trailingContent), ("{}{}", .trailingContent), (#"{"a":1,"a":2}"#, .duplicateKey),
        (#"{"a":1,"\u0061":2}"#, .duplicateKey), ("[,1]", .unexpectedByte), ("[1,,2]", .unexpectedByte), ("\"abc", .unexpectedEnd),
        ("// comment\n1", .unexpectedByte), ("\u{FEFF}1", .unexpectedByte), ("0x10", .trailingContent),
    ])
    func malformedTextIsRefused(_ text: String, _ expected: JSONSyntaxError.Problem) {
        #expect(Self.problem(text) == expected, "\(text.debugDescription)")
    }

    @Test(arguments: [
        [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong, three bytes
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // a UTF-16 surrogate encoded
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],  // truncated
        [0x22, 0x80, 0x22],  // a lone continuation byte
        [0x22, 0xFF, 0x22],
        [0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC3, 0x22],  // after eight plain bytes
    ] as [[UInt8]])
    func invalidUTF8IsRefused(_ bytes: [UInt8]) {
        #expect(Self.problem(bytes) == .invalidUTF8)
    }

    @Test func controlCharactersAreRefusedEvenAfterLongRunsOfPlainText() {
        for control in [0x00, 0x01, 0x1F] as [UInt8] {
            var bytes = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: 19)
            bytes += [control, UInt8(ascii: "\"")]
            #expect(Self.problem(bytes) == .controlCharacter)
        }
        #expect(Self.problem(Array("\"abcdefghijklmnopq\u{7F}\"".utf8)) == nil)  // DEL is not a control for JSON
    }

    @Test func validUTF8OfEveryLengthIsAccepted() throws {
        let text = "\"aé€😀 日本語 \u{10FFFF}\u{D7FF}\u{E000}\""
        let document = try JSONDocument(text)
        #expect(document.withView { $0.string(at: 0) } == String(text.dropFirst().dropLast()))
        #expect(document.withView { $0.codePointCount(at: 0) } == 12)
    }

    @Test func nestingStopsAtThirtyTwo() {
        let deepest = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(Self.problem(deepest) == nil)
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(Self.problem(tooDeep) == .tooDeep)
        let objects = String(repeating: #"{"a":"#, count: 33) + "1" + String(repeating: "}", count: 33)
        #expect(Self.problem(objects) == .tooDeep)
        #expect(Self.problem(String(repeating: "[", count: 100_000)) == .tooDeep)
    }

    @Test(arguments: [2, 16, 17, 40, 64, 65, 300])
    func duplicateKeysAreFoundInObjectsOfAnySize(_ count: Int) {
        let members = (0..<count).map { #""k\#($0)":\#($0)"# }
        #expect(Self.problem("{" + members.joined(separator: ",") + "}") == nil)
        // A repeat of the last name, of the first, written with an escape, or written plainly after an escaped one.
        #expect(Self.problem("{" + (members + [#""k\#(count - 1)":0"#]).joined(separator: ",") + "}") == .duplicateKey)
        #expect(Self.problem("{" + (members + [#""k0":0"#]).joined(separator: ",") + "}") == .duplicateKey)
        #expect(Self.problem("{" + (members + [#""\u006b1":0"#]).joined(separator: ",") + "}") == .duplicateKey)
        #expect(Self.problem("{" + ([#""\u006b1":0"#] + members).joined(separator: ",") + "}") == .duplicateKey)
    }

    @Test func theSameNameInDifferentObjectsIsFine() {
        #expect(Self.problem(#"{"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]}"#) == nil)
    }

    @Test func textsOfMoreValuesThanTheStackHoldsParseToo() throws {
        let numbers = (0..<500).map(String.init).joined(separator: ",")
        let text = Array("[\(numbers)]".utf8)
        let sum = try text.withUnsafeBytes { bytes in
            try JSONParser.withParsed(bytes) { view in view.elements(of: 0).reduce(0.0) { $0 + view.double(at: $1) } }
        }
        #expect(sum == 124_750)
        let broken = Array("[\(numbers),]".utf8)
        #expect(throws: JSONSyntaxError(.trailingComma, at: broken.count - 1)) {
            try broken.withUnsafeBytes { bytes in try JSONParser.withParsed(bytes) { _ in 0 } }
        }
    }

    @Test func errorsGiveTheOffsetAndNeverTheText() throws {
        let secret = #"{"password":"hunter2", "x": 01}"#
        guard case .failure(let error) = Self.parse(Array(secret.utf8)) else { throw Refused() }
        #expect(error.offset == 28)
        #expect(!error.description.contains("hunter2"))
        #expect(error.description == "number with a leading zero at byte 28")
    }

    struct Refused: Error {}

    @Test func tokensIndexTheText() throws {
        let document = try JSONDocument(#" {"a": [1, {"b": null}], "c": "d"} "#)
        let kinds = document.tokens.map(\.kind)
        #expect(kinds == [.object, .string, .array, .number, .object, .string, .null, .string, .string])
        document.withView { view in
            #expect(view[0].next == 9)
            #expect(view[2].next == 7)
            #expect(String(decoding: view.text(of: 2), as: UTF8.self) == #"[1, {"b": null}]"#)
            #expect(view.members(of: 0).map(\.key) == [1, 7])
            #expect(view.elements(of: 2).map { $0 } == [3, 4])
            #expect(view.member("c", of: 0) == 8)
            #expect(view.member("z", of: 0) == nil)
        }
    }

    @Test func escapesDecodeAndCompareByValue() throws {
        let document = try JSONDocument(#"["caf\u00e9", "café", "\ud83d\ude00", "\"\\\/\b\f\n\r\t", "\u0074emp", "e\u0301"]"#)
        document.withView { view in
            #expect(view.string(at: 1) == "café")
            #expect(view.string(at: 1, equalsStringAt: 2))
            #expect(view.string(at: 1, equals: "café"))
            #expect(view.string(at: 3) == "😀")
            #expect(view.codePointCount(at: 3) == 1)
            #expect(view.stringBytes(at: 4) == Array("\"\\/\u{8}\u{C}\n\r\t".utf8))
            #expect(view.string(at: 5, equals: "temp"))
            #expect(!view.string(at: 5, equals: "tem"))
            #expect(!view.string(at: 5, equals: "temps"))
            // Code points, not canonical equivalence: "e" + U+0301 is not "é".
            #expect(!view.string(at: 6, equals: "é"))
            #expect(view.codePointCount(at: 6) == 2)
        }
    }

    @Test(arguments: [
        "0", "-0", "0.1", "1e2", "1E+2", "-1.5e-3", "123456789012345678901234567890", "2.2250738585072014e-308", "5e-324",
        "1.7976931348623157e308", "9007199254740993", "0.30000000000000004", "1e-400", "4.35", "1234.567", "12345678901234567890.5",
    ])
    func numbersReadAsCorrectlyRoundedDoubles(_ text: String) throws {
        let document = try JSONDocument(text)
        let value = document.withView { $0.double(at: 0) }
        #expect(value.bitPattern == Double(text)!.bitPattern)
    }

    @Test func integersAreNumbersWithoutAFraction() throws {
        let document = try JSONDocument("[1, 1.0, 1e2, 1.5, -0, 1e-2, 12345678901234567890]")
        document.withView { view in
            #expect(view.elements(of: 0).map { view.isInteger(at: $0) } == [true, true, true, false, true, false, true])
            #expect(view.elements(of: 0).map { view[$0].hasIntegerSyntax } == [true, false, false, false, true, false, true])
        }
    }

    @Test func randomMutationsNeverCrashTheParser() {
        var random = SplitMix64(seed: 0x7A5E)
        let seeds = [
            #"{"a": [1, 2.5e3, "x\u00e9", true, false, null], "b": {"c": "\ud83d\ude00"}}"#, #"[-0.0, "é", {}, []]"#,
        ].map { Array($0.utf8) }
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = random.pick(seeds)
            for _ in 0..<random.int(1...3) {
                let index = random.int(0...bytes.count - 1)
                switch random.int(0...2) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(random.pick(Array(#"{}[],:"\0123456789eE.-+tfnu"#.utf8)), at: index)
                }
                if bytes.isEmpty { bytes = [0x30] }
            }
            if case .success(let tokens) = Self.parse(bytes) {
                accepted += 1
                #expect(tokens.last!.next == tokens.count)
            }
        }
        #expect(accepted > 100)
    }
}
