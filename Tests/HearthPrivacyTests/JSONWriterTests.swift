@testable import HearthPrivacy
import Testing

@Suite struct JSONWriterTests {
    static func text(_ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func stringsEscapeOnlyWhatJSONRequires() throws {
        let value = "a\"b\\c/é😀\n\t\u{1}\u{1F}\u{7F}"
        let written = Self.text { $0.string(value) }
        #expect(written == #""a\"b\\c/é😀\n\t\u0001\u001f\#u{7F}""#)
        let document = try JSONDocument(written)
        #expect(document.withView { $0.string(at: 0) } == value)
    }

    @Test(arguments: [
        (21.5, false, "21.5"), (12, true, "12"), (12, false, "12.0"), (-0.0, true, "0"), (1e-7, false, "1e-07"),
        (0.1 + 0.2, false, "0.30000000000000004"), (1e20, true, "1e+20"), (123456789012, true, "123456789012"),
        (Double.nan, false, "null"),
    ])
    func numbersAreShortestRoundTrip(_ value: Double, _ integral: Bool, _ expected: String) {
        #expect(Self.text { $0.number(value, integral: integral) } == expected)
    }

    /// What `round` writes, through the minimizer's `ByteSink`.
    @Test(arguments: [
        (Int64(215), 1, "21.5"), (220, 1, "22"), (-5, 1, "-0.5"), (5, 3, "0.005"), (-1234500, 4, "-123.45"), (0, 2, "0"),
        (7, 0, "7"), (123, 5, "0.00123"), (-7, 2, "-0.07"), (Int64.min, 0, "-9223372036854775808"),
    ])
    func decimalsAreWrittenExactly(_ mantissa: Int64, _ scale: Int, _ expected: String) {
        #expect(Self.text { writer in writer.viaSink { $0.decimal(mantissa: mantissa, scale: scale) } } == expected)
    }

    /// Integers are written two digits at a time: every length, odd and even, both signs.
    @Test func integersAreWrittenAsTheyPrint() {
        var values: [Int64] = [0, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        for value in values + (0..<2_000).map({ _ in Int64.random(in: .min ... .max) }) {
            #expect(Self.text { $0.integer(value) } == String(value))
        }
    }

    @Test func theCanonicalFormIsStable() throws {
        let original = try JSONDocument(#" { "b" : [1.50, 2e0, -0, 10] , "a": "caf\u00e9\/", "é": null, "A": {"z":1,"y":2} } "#)
        let canonical = original.withView { view in Self.text { $0.canonical(view, at: 0) } }
        #expect(canonical == #"{"A":{"y":2,"z":1},"a":"café/","b":[1.5,2.0,-0,10],"é":null}"#)
        let again = try JSONDocument(canonical).withView { view in Self.text { $0.canonical(view, at: 0) } }
        #expect(again == canonical)
    }
}
