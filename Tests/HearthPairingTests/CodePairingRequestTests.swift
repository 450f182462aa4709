import Foundation
import HearthPairing
import Testing

/// What a device's poll of a code-pairing request decides, without storage.
struct CodePairingRequestTests {
    static let now = Date(timeIntervalSince1970: 3_000_000)
    static let nonce: [UInt8] = Array(repeating: 7, count: 32)
    static let proof: [UInt8] = Array(repeating: 9, count: 32)

    static func request(
        _ status: CodePairingRequest.Status, revealed: [UInt8]? = nil, lastPollSecondsAgo: Double? = nil,
        expiresIn: TimeInterval = 300
    ) -> CodePairingRequest {
        CodePairingRequest(
            status: status, expiresAt: now.addingTimeInterval(expiresIn), commitment: CodePairing.commitment(to: nonce),
            deviceNonce: revealed, lastPollAt: lastPollSecondsAgo.map { now.addingTimeInterval(-$0) },
            hubProof: status == .approved ? proof : nil)
    }

    @Test(arguments: [
        (request(.pending), nonce, CodePairingRequest.Outcome.pending),
        (request(.pending, revealed: nonce, lastPollSecondsAgo: 5), nonce, .pending),
        (request(.pending, revealed: nonce, lastPollSecondsAgo: 1), nonce, .slowDown),
        (request(.pending, expiresIn: 0), nonce, .expired),
        (request(.pending), Array(repeating: 8, count: 32), .commitmentBroken),
        (request(.pending, revealed: nonce), Array(repeating: 8, count: 32), .nonceChanged),
        (request(.denied, revealed: nonce), nonce, .denied),
        (request(.approved, revealed: nonce), nonce, .collect(hubProof: proof)),
        (request(.approved, revealed: nonce), Array(repeating: 8, count: 32), .nonceChanged),
    ] as [(CodePairingRequest, [UInt8], CodePairingRequest.Outcome)])
    func aPollIsDecidedByTheNonceTheStatusAndThePace(
        request: CodePairingRequest, nonce: [UInt8], expected: CodePairingRequest.Outcome
    ) {
        var state = request
        #expect(state.poll(deviceNonce: nonce, at: Self.now, interval: 5) == expected)
    }

    @Test func theFirstPollRevealsTheNonceAndLaterPollsMustRepeatIt() {
        var state = Self.request(.pending)
        #expect(state.poll(deviceNonce: Self.nonce, at: Self.now, interval: 5) == .pending)
        #expect(state.deviceNonce == Self.nonce)
        #expect(state.lastPollAt == Self.now)
        #expect(state.poll(deviceNonce: Self.nonce, at: Self.now.addingTimeInterval(2), interval: 5) == .slowDown)
        #expect(state.poll(deviceNonce: [1], at: Self.now.addingTimeInterval(9), interval: 5) == .nonceChanged)
    }
}
