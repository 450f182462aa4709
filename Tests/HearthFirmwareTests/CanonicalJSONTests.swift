import Foundation
import HearthFirmware
import Testing

/// TUF signs the canonical form of `signed` (securesystemslib's `encode_canonical`); a client
/// re-encodes what it parsed and checks the signature over that, so these bytes must match its.
@Suite struct CanonicalJSONTests {
    @Test func membersAreSortedAndOnlyQuoteAndBackslashAreEscaped() throws {
        let value = try JSONValue(parsing: Array(#"{"b": [1, true, null, -7], "a": "q\"\\\n/", "é": {"z": 0, "y": "x"}}"#.utf8))
        let expected = "{\"a\":\"q\\\"\\\\\n/\",\"b\":[1,true,null,-7],\"é\":{\"y\":\"x\",\"z\":0}}"
        #expect(String(decoding: value.canonical, as: UTF8.self) == expected)
        // Ordinary JSON out, the same value back.
        #expect(try JSONValue(parsing: value.jsonBytes) == value)
    }

    @Test func fractionalNumbersAndNonJSONAreRefused() {
        #expect(throws: TUFError.self) { try JSONValue(parsing: Array(#"{"length": 1.5}"#.utf8)) }
        #expect(throws: TUFError.self) { try JSONValue(parsing: Array("{\"a\": ".utf8)) }
        #expect(throws: TUFError.self) { try JSONValue(parsing: Array("".utf8)) }
    }

    @Test func timesAreWrittenToTheSecondInUTC() throws {
        let date = Date(timeIntervalSince1970: 1_900_000_000.75)
        #expect(TUFTime.format(date) == "2030-03-17T17:46:40Z")
        #expect(TUFTime.parse("2030-03-17T17:46:40Z") == Date(timeIntervalSince1970: 1_900_000_000))
        #expect(TUFTime.parse("2030-03-17T17:46:40.5Z") == nil)
        #expect(TUFTime.parse("2030-03-17T17:46:40+00:00") == nil)
    }
}
