import HearthOAuth
import Testing

@Suite struct RecoveryCodesTests {
    static let alphabet = Set("bcdfghjkmnpqrstvwxz23456789")

    @Test func generatesDistinctCodesInTheDocumentedFormat() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes {
            let parts = code.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.count == 2 && parts.allSatisfy { $0.count == 5 && $0.allSatisfy(Self.alphabet.contains) })
            #expect(RecoveryCodes.normalize(code) == code)
        }
        #expect(RecoveryCodes.generate(count: 3).count == 3)
    }

    @Test func everyCharacterOfTheAlphabetTurnsUp() {
        let seen = Set(RecoveryCodes.generate(count: 200).joined().filter { $0 != "-" })
        #expect(seen == Self.alphabet)
    }

    @Test func normalizeIgnoresCaseSpacesAndDashes() {
        #expect(RecoveryCodes.normalize("BCDFG-HJKMN") == "bcdfg-hjkmn")
        #expect(RecoveryCodes.normalize(" bcd fg hjk-mn ") == "bcdfg-hjkmn")
        #expect(RecoveryCodes.normalize("bcdfghjkmn") == "bcdfg-hjkmn")
    }

    @Test(arguments: ["", "bcdfg-hjkm", "bcdfg-hjkmnp", "abcdf-ghjkm", "bcdfg-hjkm0", "bcdfg-hjkm1", "bcdfg_hjkmn"])
    func normalizeRefusesWhatCannotBeACode(_ typed: String) {
        #expect(RecoveryCodes.normalize(typed) == nil)
    }
}
