import HearthCore
import Testing

@Suite struct IdentifierTests {
    @Test func freshIdentifiersAre22URLSafeCharactersAndDistinct() {
        let ids = (0..<2000).map { _ in DeviceID() }
        #expect(Set(ids).count == ids.count)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for id in ids {
            #expect(id.rawValue.count == 22)
            #expect(id.rawValue.allSatisfy(allowed.contains))
            #expect(DeviceID(id.rawValue) == id)
        }
    }

    @Test(arguments: ["", "short", "AAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAA+/",
                      "AAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAB"])
    func malformedTextIsRefused(_ text: String) {
        #expect(HouseholdID(text) == nil)
    }

    @Test func base64URLRoundTripsEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("="))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.encode(Array("hello?>".utf8)) == "aGVsbG8_Pg")
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab$d") == nil)
        // One spelling per value: a last character with unused bits set is refused (RFC 4648 §3.5).
        #expect(Base64URL.decode("aGVsbG8_Pg") == Array("hello?>".utf8))
        #expect(Base64URL.decode("aGVsbG8_Ph") == nil)
        #expect(Base64URL.decode("aGVsbG8_Pi") == nil)
        #expect(Base64URL.decode("YQ") == [0x61])
        #expect(Base64URL.decode("YR") == nil)
    }
}
