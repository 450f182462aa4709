import Foundation
import HearthOAuth
import Testing

/// RFC 8628 §3.5's polling rules, decided without storage.
struct DeviceAuthorizationPollTests {
    static let start = Date(timeIntervalSince1970: 1_000_000)

    static func poll(_ status: DeviceAuthorizationPoll.Status, lastPollSecondsAgo: Double?) -> DeviceAuthorizationPoll {
        DeviceAuthorizationPoll(
            status: status, expiresAt: start.addingTimeInterval(600), interval: 5,
            lastPollAt: lastPollSecondsAgo.map { start.addingTimeInterval(-$0) })
    }

    @Test(arguments: [
        (DeviceAuthorizationPoll.Status.pending, nil, DeviceAuthorizationPoll.Outcome.pending),
        (.pending, 6, .pending),
        (.pending, 2, .slowDown(interval: 10)),
        (.approved, 5, .approved),
        (.denied, 5, .denied),
        (.approved, 1, .slowDown(interval: 10)),
    ] as [(DeviceAuthorizationPoll.Status, Double?, DeviceAuthorizationPoll.Outcome)])
    func aPollIsDecidedByStatusAndPace(status: DeviceAuthorizationPoll.Status, ago: Double?, expected: DeviceAuthorizationPoll.Outcome) {
        var state = Self.poll(status, lastPollSecondsAgo: ago)
        #expect(state.poll(at: Self.start) == expected)
        #expect(state.lastPollAt == Self.start)
    }

    @Test func slowDownGrowsTheIntervalEachTime() {
        var state = Self.poll(.pending, lastPollSecondsAgo: 1)
        #expect(state.poll(at: Self.start) == .slowDown(interval: 10))
        #expect(state.poll(at: Self.start.addingTimeInterval(9)) == .slowDown(interval: 15))
        #expect(state.poll(at: Self.start.addingTimeInterval(9 + 15)) == .pending)
        #expect(state.interval == 15)
    }

    @Test func anExpiredRequestAnswersExpiredWhateverItsStatus() {
        for status in [DeviceAuthorizationPoll.Status.pending, .approved, .denied] {
            var state = Self.poll(status, lastPollSecondsAgo: nil)
            #expect(state.poll(at: Self.start.addingTimeInterval(600)) == .expired)
            #expect(state.lastPollAt == nil, "an expired poll records nothing")
        }
    }
}
