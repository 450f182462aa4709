import HearthOAuth
import Testing

@Suite struct OAuthErrorTests {
    @Test func codesAreTheRegisteredWireValues() {
        #expect(OAuthError.Code.allCases.count == 20)
        #expect(OAuthError.Code.invalidDPoPProof.rawValue == "invalid_dpop_proof")
        #expect(OAuthError.Code.useDPoPNonce.rawValue == "use_dpop_nonce")
        #expect(OAuthError.Code.allCases.allSatisfy { $0.rawValue.allSatisfy { $0 == "_" || $0.isLowercase } })
        #expect(OAuthError(.slowDown, "poll less often").description == "poll less often")
    }
}
