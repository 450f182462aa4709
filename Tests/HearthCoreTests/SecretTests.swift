import HearthCore
import Testing

@Suite struct SecretTests {
    @Test func tokensCarry256BitsAndAreStoredAsSHA256() {
        let token = SecretToken(prefix: "hst_")
        #expect(token.value.hasPrefix("hst_"))
        #expect(Base64URL.decode(token.value.dropFirst(4))?.count == 32)
        #expect(token.digest.count == 64)
        #expect(token.digest == SecretToken.digest(of: token.value))
        #expect(token.digest != SecretToken(prefix: "hst_").digest)
        // SHA-256("abc"), FIPS 180-2 test vector.
        #expect(SecretToken.digest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEqualityComparesWholeValues() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([UInt8](), []))
    }

    @Test func generatedPasswordsAreLongAndUnambiguous() {
        let passwords = (0..<200).map { _ in GeneratedPassword.make() }
        #expect(Set(passwords).count == passwords.count)
        for password in passwords {
            #expect(password.count == 27)
            #expect(!password.contains(where: { "0O1lI".contains($0) }))
        }
    }

    @Test func errorsDescribeCodeAndReason() {
        let error = HearthError(.conflict, "an account with that email address already exists")
        #expect(error.description == "conflict: an account with that email address already exists")
        #expect(error == HearthError(.conflict, "an account with that email address already exists"))
    }
}
