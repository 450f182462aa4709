import Foundation
import HearthOAuth
import Testing

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B (SHA-1), the eight-digit values cut to the last six.
    static let rfc = TOTP(secret: Array("12345678901234567890".utf8))

    @Test(arguments: [
        (59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
        (2_000_000_000, "279037"), (20_000_000_000, "353130"),
    ] as [(Int, String)])
    func rfc6238Vectors(time: Int, code: String) {
        let date = Date(timeIntervalSince1970: TimeInterval(time))
        #expect(Self.rfc.code(at: date) == code)
        #expect(Self.rfc.matchingStep(code, at: date) == Int64(time / 30))
    }

    @Test func acceptsOneStepEitherSideByDefault() {
        let date = Date(timeIntervalSince1970: 1_111_111_109)
        let step = Int64(1_111_111_109 / 30)
        let previous = Self.rfc.code(at: date.addingTimeInterval(-30))
        let next = Self.rfc.code(at: date.addingTimeInterval(30))
        #expect(Self.rfc.matchingStep(previous, at: date) == step - 1)
        #expect(Self.rfc.matchingStep(next, at: date) == step + 1)
        let older = Self.rfc.code(at: date.addingTimeInterval(-60))
        #expect(Self.rfc.matchingStep(older, at: date) == nil)
        #expect(Self.rfc.matchingStep(older, at: date, window: 2) == step - 2)
        #expect(Self.rfc.matchingStep(previous, at: date, window: 0) == nil)
    }

    @Test(arguments: ["", "08180", "0818044", "08180a", " 081804", "０８１８０４"])
    func refusesWhatIsNotSixDigits(_ code: String) {
        #expect(Self.rfc.matchingStep(code, at: Date(timeIntervalSince1970: 1_111_111_109)) == nil)
    }

    @Test func base32SecretRoundTrips() throws {
        #expect(Self.rfc.base32Secret == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(TOTP(base32Secret: "gezdgnbvgy3tqojqgezdgnbvgy3tqojq")?.secret == Self.rfc.secret)
        let generated = TOTP.generateSecret()
        #expect(generated.secret.count == 20)
        #expect(generated.base32Secret.count == 32)
        #expect(TOTP(base32Secret: generated.base32Secret)?.secret == generated.secret)
        #expect(TOTP(base32Secret: "not base32!") == nil)
        #expect(TOTP(secret: [0xFF]).base32Secret == "74")
    }

    @Test func provisioningURIIsPercentEncoded() {
        let uri = Self.rfc.provisioningURI(issuer: "Hearth Hub", account: "alice@example.com")
        #expect(uri == "otpauth://totp/Hearth%20Hub:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=Hearth%20Hub&algorithm=SHA1&digits=6&period=30")
    }
}
