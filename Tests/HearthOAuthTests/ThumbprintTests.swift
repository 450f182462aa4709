import Crypto
import HearthOAuth
import Testing

@Suite struct ThumbprintTests {
    /// The P-256 key of RFC 7515 Appendix A.3; the thumbprint was computed with Python's joserfc.
    static let ecKey = [
        "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "ignored", "use": "sig",
    ]

    @Test func ecThumbprintMatchesJoserfc() throws {
        #expect(try jwkThumbprint(Self.ecKey) == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U")
        var bare = Self.ecKey
        bare["kid"] = nil
        bare["use"] = nil
        #expect(try jwkThumbprint(bare) == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U")
    }

    /// RFC 8037 Appendix A.3.
    @Test func okpThumbprintMatchesRFC8037() throws {
        let key = ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]
        #expect(try jwkThumbprint(key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    }

    @Test func publicJWKThumbprintAgreesWithTheDictionaryForm() throws {
        let jwk = SigningKey.generate().publicJWK
        #expect(jwkThumbprint(jwk) == (try jwkThumbprint(["kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y])))
    }

    @Test func refusesOtherKeyTypesAndIncompleteKeys() {
        #expect(throws: OAuthError(.invalidRequest, "only EC and OKP keys have a thumbprint here")) {
            try jwkThumbprint(["kty": "RSA", "n": "0vx7", "e": "AQAB"])
        }
        #expect(throws: OAuthError(.invalidRequest, "the key lacks the 'y' member")) {
            try jwkThumbprint(["kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"])
        }
    }

    /// base64url(SHA-256) of the DER bytes, computed with Python's hashlib.
    @Test func certificateThumbprintIsTheSHA256OfTheDER() {
        #expect(certificateThumbprint(der: [0x30, 0x03, 0x02, 0x01, 0x01]) == "G2X2ilIshYcV9d2VHNBALcFmkXeIFL8HWYIreiV0IdA")
        #expect(certificateThumbprint(der: ArraySlice([0x30, 0x03, 0x02, 0x01, 0x01])) == "G2X2ilIshYcV9d2VHNBALcFmkXeIFL8HWYIreiV0IdA")
    }
}
