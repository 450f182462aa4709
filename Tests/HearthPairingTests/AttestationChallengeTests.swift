import Crypto
import Foundation
import HearthCore
import HearthPairing
import Testing

/// The stateless zero-touch challenge: only the key's holder makes one, it dies at its expiry, and
/// nothing about it can be changed.
@Suite struct AttestationChallengeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let key = SymmetricKey(size: .bits256)

    @Test func aChallengeVerifiesUntilItExpiresAndNotAfter() throws {
        let challenges = AttestationChallenge(keys: [Self.key], lifetime: 300)
        let challenge = challenges.make(at: Self.now)
        #expect(challenge.count == 32, "the device decodes 32 bytes, as before")
        let expires = try #require(challenges.check(challenge, at: Self.now))
        #expect(abs(expires.timeIntervalSince(Self.now.addingTimeInterval(300))) < 0.002)
        #expect(challenges.check(challenge, at: Self.now.addingTimeInterval(299)) != nil)
        #expect(challenges.check(challenge, at: Self.now.addingTimeInterval(300)) == nil)
        #expect(challenges.check(challenge, at: Self.now.addingTimeInterval(3600)) == nil)
    }

    @Test func anyChangedByteOrAnotherKeyIsRefused() {
        let challenges = AttestationChallenge(keys: [Self.key], lifetime: 300)
        let challenge = challenges.make(at: Self.now)
        for index in challenge.indices {
            var altered = challenge
            altered[index] ^= 0x01
            #expect(challenges.check(altered, at: Self.now) == nil, "byte \(index)")
        }
        let stranger = AttestationChallenge(keys: [SymmetricKey(size: .bits256)], lifetime: 300)
        #expect(stranger.check(challenge, at: Self.now) == nil)
        #expect(stranger.check(SecureRandom.bytes(32), at: Self.now) == nil)
        #expect(challenges.check(Array(challenge.prefix(31)), at: Self.now) == nil)
        #expect(challenges.check(challenge + [0], at: Self.now) == nil)
    }

    /// During a KEK rotation the hub holds both keys: a challenge made under either verifies.
    @Test func theKeysOfARotationBothVerify() {
        let next = SymmetricKey(size: .bits256)
        let before = AttestationChallenge(keys: [Self.key], lifetime: 300).make(at: Self.now)
        let during = AttestationChallenge(keys: [next, Self.key], lifetime: 300)
        #expect(during.check(before, at: Self.now) != nil)
        #expect(during.check(during.make(at: Self.now), at: Self.now) != nil)
    }

    /// A challenge dated further ahead than any hub node dates one (this clock was set back since)
    /// does not live longer for it; a node running a few seconds behind another still accepts it.
    @Test func aClockSetBackDoesNotStretchAChallenge() {
        let challenges = AttestationChallenge(keys: [Self.key], lifetime: 300)
        let challenge = challenges.make(at: Self.now)
        #expect(challenges.check(challenge, at: Self.now.addingTimeInterval(-5)) != nil)
        #expect(challenges.check(challenge, at: Self.now.addingTimeInterval(-600)) == nil)
    }

    @Test func everyChallengeIsNew() {
        let challenges = AttestationChallenge(keys: [Self.key], lifetime: 300)
        let made = Set((0..<1000).map { _ in challenges.make(at: Self.now) })
        #expect(made.count == 1000)
    }
}
