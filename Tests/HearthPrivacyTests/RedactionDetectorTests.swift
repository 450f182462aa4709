@testable import HearthPrivacy
import Testing

@Suite struct RedactionDetectorTests {
    /// Through the set test the minimizer runs: the detector alone, and (when it finds `text`) all
    /// detectors together, as the set for values no rule names holds them.
    static func found(_ detector: RedactionDetector, _ text: String) -> Bool {
        let all = RedactionDetector.allCases.reduce(UInt8(0)) { $0 | $1.bit }
        return Array(text.utf8).withUnsafeBufferPointer { text in
            let alone = RedactionDetector.isFound(detector.bit, in: text)
            if alone { #expect(RedactionDetector.isFound(all, in: text)) }
            return alone
        }
    }

    @Test func macAddresses() {
        for text in ["a4:cf:12:9b:33:07", "A4-CF-12-9B-33-07", "mac=a4:cf:12:9b:33:07;", "a4cf.129b.3307", "x a4cf.129B.3307 y"] {
            #expect(Self.found(.macAddress, text), "\(text)")
        }
        for text in ["a4:cf:12:9b:33", "a4:cf-12:9b:33:07", "a4:cf:12:9b:33:07:88", "ba4:cf:12:9b:33:07", "g4:cf:12:9b:33:07", "12:30:45", ""] {
            #expect(!Self.found(.macAddress, text), "\(text)")
        }
    }

    /// Strings are first searched for a separator eight bytes at a time: an address is found
    /// wherever it sits against those eight-byte words, and a string with hex digits but no
    /// separator is passed over.
    @Test func macAddressesAreFoundAtEveryOffset() {
        for address in ["a4:cf:12:9b:33:07", "A4-CF-12-9B-33-07", "a4cf.129b.3307"] {
            for before in 0..<12 {
                for after in 0..<12 {
                    let text = String(repeating: "x", count: before) + " " + address + " " + String(repeating: "y", count: after)
                    #expect(Self.found(.macAddress, text), "\(text)")
                }
            }
        }
        for length in 14..<40 {
            #expect(!Self.found(.macAddress, String(repeating: "a4cf129b3307", count: 4).prefix(length).description))
        }
    }

    @Test func emailAddresses() {
        for text in ["ann@example.org", "mail: a.b+c@mail.example.co.uk!", "x_y%z@host-1.io"] {
            #expect(Self.found(.email, text), "\(text)")
        }
        for text in ["@example.org", "ann@", "ann@localhost", "ann@example.c", "ann@example.42", "a@b", "ann @example.org", "ann@.org"] {
            #expect(!Self.found(.email, text), "\(text)")
        }
    }

    @Test func ipv4Addresses() {
        for text in ["10.0.0.1", "from 192.168.1.254:8080", "255.255.255.255", "ip=8.8.8.8.", "v1.2.3.4"] {
            #expect(Self.found(.ipv4, text), "\(text)")
        }
        for text in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "1234.1.1.1", "1.2.3.4444", "a.b.c.d", "1..2.3.4"] {
            #expect(!Self.found(.ipv4, text), "\(text)")
        }
    }
}
